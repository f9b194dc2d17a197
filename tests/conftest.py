import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Gateway  # noqa: E402


@pytest.fixture
def gateway(tmp_path):
    gw = Gateway(tmp_path, extra_args=["--enable-test-services"])
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def shared_gateway(tmp_path_factory):
    gw = Gateway(tmp_path_factory.mktemp("gw"), extra_args=["--enable-test-services"])
    yield gw
    gw.stop()
