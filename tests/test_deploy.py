"""The Kubernetes deployment (deploy/kubernetes), the container image (Dockerfile) and the Grafana dashboard.

No cluster can run here or in CI, so the manifests are checked as far as that allows, with the real tools:

- rendered with `kubectl kustomize` (base, tokenreview overlay, redis component) and every object validated
  against the Kubernetes 1.31 JSON schemas (kubernetes-validate, strict: unknown fields are errors); the
  PodMonitor is a CRD without a schema there, so its fields are checked by hand against the pod;
- the gateway.json and envoy.yaml inside the rendered ConfigMaps pass `envoy --mode validate` and start the real
  gateway binary;
- "the pod without Kubernetes": in a private network namespace (nothing leaves it: MCP server names do not
  resolve there) both containers are started with the rendered Deployment's args, their files laid out as kubelet
  lays out ConfigMap/Secret volumes (with the `..data` symlink), and a second address as the pod IP. Then every
  readiness/liveness probe of the Deployment must pass on the pod IP, the gRPC and Envoy admin ports must NOT be
  reachable on it, /mcp answers through Envoy, and a kubelet-style ConfigMap update (symlink swap) is picked up
  by the running gateway without a restart;
- the Dockerfile's runtime stage installs the Debian packages of every shared library the built binary needs;
- every metric the dashboard queries is one the running gateway exports.

Nothing is skipped: a missing kubectl, envoy or gateway binary fails with what to install or build.
"""
import base64
import copy
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "kubernetes"
DASHBOARD = ROOT / "deploy" / "grafana" / "mcp-gateway.json"
DOCKERFILE = ROOT / "Dockerfile"
K8S_VERSION = "1.31.0"
POD_IP = "192.0.2.10"          # TEST-NET-1, an address inside the test's own network namespace
RENDERINGS = {"base": ".", "tokenreview": "overlays/tokenreview", "redis": "components/redis"}
# Packages every debian:bookworm-slim image has (Priority: required, or what apt itself depends on).
SLIM_BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


# ---------------------------------------------------------------------------------------------------------------
# The pod driver: runs INSIDE a fresh network namespace (`unshare --net`), started by the tests below.
# ---------------------------------------------------------------------------------------------------------------

def _http(method, url, body=None, headers=None, timeout=2.0):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")
    except OSError as e:
        return None, {}, str(e)


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _kubelet_update(mount_dir: Path, files: dict):
    """What kubelet's AtomicWriter does on a ConfigMap update: a new timestamped directory, then the `..data`
    symlink is replaced atomically; the user-visible names are symlinks through `..data`."""
    stamp = "..%s.%d" % (time.strftime("%Y_%m_%d_%H_%M_%S"), time.monotonic_ns())
    new = mount_dir / stamp
    new.mkdir(parents=True)
    for name, content in files.items():
        (new / name).write_bytes(content)
    tmp = mount_dir / "..data_tmp"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(stamp)
    os.replace(tmp, mount_dir / "..data")
    for name in files:
        link = mount_dir / name
        if not link.is_symlink():
            link.symlink_to(Path("..data") / name)


def _pod_driver(spec_path: str):
    spec = json.loads(Path(spec_path).read_text())
    work = Path(spec["work"])
    report = {"errors": []}
    # The pod IP as a second address of this namespace's loopback device (no dummy/veth module is needed):
    # a socket bound to 127.0.0.1 does not answer on it, one bound to 0.0.0.0 does, as on a pod's eth0.
    for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", f"{spec['pod_ip']}/32", "dev", "lo"]):
        subprocess.run(cmd, check=True)
    procs = {}
    logs = {}
    env = dict(os.environ, **spec["gateway_env"])
    try:
        # Envoy first, as can happen in a pod: the gateway must still turn ready within seconds.
        for name, argv, penv in (("envoy", spec["envoy_argv"], None), ("gateway", spec["gateway_argv"], env)):
            logs[name] = open(work / f"{name}.log", "wb")
            procs[name] = subprocess.Popen(argv, stdout=logs[name], stderr=subprocess.STDOUT, env=penv)
            time.sleep(1.0)
        # 1. Every probe of the Deployment, as kubelet sends it: to the pod IP.
        deadline = time.time() + spec["ready_timeout"]
        started = time.time()
        status = {}
        while time.time() < deadline:
            for p in spec["probes"]:
                status[p["id"]] = _http("GET", f"http://{spec['pod_ip']}:{p['port']}{p['path']}")[0]
            if all(s == 200 for s in status.values()):
                break
            time.sleep(0.25)
        report["probes"] = status
        report["seconds_to_ready"] = round(time.time() - started, 2)
        # 2. What is reachable on the pod IP, and what only on loopback.
        report["pod_ip_open"] = {str(port): _port_open(spec["pod_ip"], port) for port in spec["ports_to_check"]}
        report["loopback_open"] = {str(port): _port_open("127.0.0.1", port) for port in spec["ports_to_check"]}
        # 3. MCP through Envoy: initialize on the Service's target port.
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test_deploy", "version": "1"}}}).encode()
        st, headers, text = _http("POST", f"http://{spec['pod_ip']}:{spec['http_port']}{spec['mcp_path']}", body,
                                  {"content-type": "application/json", "accept": "application/json, text/event-stream"})
        report["initialize"] = {"status": st, "headers": {k.lower(): v for k, v in headers.items()}, "body": text[:2000]}
        # 4. A ConfigMap edit, delivered the way kubelet delivers it; the gateway must reload it live.
        cfg = Path(spec["config_path"])
        before = os.stat(cfg)
        _kubelet_update(cfg.parent, {cfg.name: spec["new_config"].encode()})
        after = os.stat(cfg)
        report["stat_changed"] = {"mtime_ns": before.st_mtime_ns != after.st_mtime_ns, "ino": before.st_ino != after.st_ino}
        deadline = time.time() + 15
        reloads, new_server_seen, metrics = None, False, ""
        while time.time() < deadline:
            st, _, metrics = _http("GET", f"http://{spec['pod_ip']}:{spec['admin_port']}/metrics")
            m = re.search(r'^mcp_config_reloads_total\{result="success"\} (\d+)', metrics or "", re.M)
            reloads = int(m.group(1)) if m else None
            new_server_seen = f'server="{spec["new_server"]}"' in (metrics or "")
            if reloads and new_server_seen:
                break
            time.sleep(0.25)
        report["reload"] = {"success_count": reloads, "new_server_in_metrics": new_server_seen}
        report["alive_before_stop"] = {n: p.poll() is None for n, p in procs.items()}
    except Exception as e:  # reported, never swallowed: the test asserts on errors
        report["errors"].append(repr(e))
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in procs.items():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            logs[name].close()
        report["exit_codes"] = {n: p.returncode for n, p in procs.items()}
        report["logs"] = {n: (work / f"{n}.log").read_text(errors="replace")[-20000:] for n in procs}
    (work / "report.json").write_text(json.dumps(report, indent=2))   # for a look after a failure
    print(json.dumps(report))


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "pod-driver":
    _pod_driver(sys.argv[2])
    sys.exit(0)


# ---------------------------------------------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------------------------------------------

import pytest  # noqa: E402
import yaml  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Gateway, envoy_binary, free_port, gateway_binary  # noqa: E402


def kubectl() -> str:
    path = shutil.which("kubectl")
    if not path:
        pytest.fail("kubectl not found: run scripts/setup.sh (it installs Debian's kubernetes-client: "
                    "apt-get install kubernetes-client)")
    return path


def require_netns():
    for tool in ("unshare", "ip"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} not found: apt-get install {'util-linux' if tool == 'unshare' else 'iproute2'}")
    r = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"cannot create a network namespace (run the tests as root, as CI does): {r.stderr.strip()}")


def in_netns(argv, **kw):
    return subprocess.run(["unshare", "--net", "--", *argv], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def deploy_copy(tmp_path_factory):
    """deploy/kubernetes as a user has it after the one setup step: a generated session key."""
    dest = tmp_path_factory.mktemp("deploy") / "kubernetes"
    shutil.copytree(DEPLOY, dest, ignore=shutil.ignore_patterns("session-key"))
    (dest / "base" / "session-key").write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return dest


def render(kdir: Path) -> list:
    r = subprocess.run([kubectl(), "kustomize", str(kdir)], capture_output=True, text=True)
    assert r.returncode == 0, f"kubectl kustomize {kdir} failed:\n{r.stderr}"
    return [d for d in yaml.safe_load_all(r.stdout) if d]


@pytest.fixture(scope="module")
def rendered(deploy_copy):
    return {name: render(deploy_copy / sub) for name, sub in RENDERINGS.items()}


def one(docs, kind, name=None):
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def container(deploy, name):
    cs = [c for c in deploy["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    assert len(cs) == 1, f"no container {name}"
    return cs[0]


def flags(args) -> dict:
    out, i = {}, 0
    while i < len(args):
        assert args[i].startswith("--"), f"unexpected argument {args[i]!r} in {args}"
        if i + 1 < len(args) and not args[i + 1].startswith("--"):
            out[args[i]] = args[i + 1]
            i += 2
        else:
            out[args[i]] = True
            i += 1
    return out


def port_number(c, port):
    if isinstance(port, int):
        return port
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    assert port in ports, f"container {c['name']} has no port named {port!r}"
    return ports[port]


def configs(docs):
    gw = json.loads(one(docs, "ConfigMap", "mcp-gateway-config")["data"]["gateway.json"])
    envoy = yaml.safe_load(one(docs, "ConfigMap", "mcp-gateway-envoy")["data"]["envoy.yaml"])
    return gw, envoy


def http_filters(envoy_cfg, listener="mcp"):
    lst = [item for item in envoy_cfg["static_resources"]["listeners"] if item["name"] == listener][0]
    hcm = lst["filter_chains"][0]["filters"][0]["typed_config"]
    return hcm, {f["name"]: f for f in hcm["http_filters"]}


def clusters(envoy_cfg):
    return {c["name"]: c for c in envoy_cfg["static_resources"]["clusters"]}


def endpoint(cluster):
    address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
    if "pipe" in address:
        return "unix", address["pipe"]["path"]
    sa = address["socket_address"]
    return sa["address"], sa["port_value"]


# ---------------------------------------------------------------------------------------------------------------
# Rendering and schemas
# ---------------------------------------------------------------------------------------------------------------

def test_render_needs_the_session_key(tmp_path):
    """The key is generated per installation and never committed: without it kustomize refuses to render."""
    dest = tmp_path / "kubernetes"
    shutil.copytree(DEPLOY, dest, ignore=shutil.ignore_patterns("session-key"))
    r = subprocess.run([kubectl(), "kustomize", str(dest)], capture_output=True, text=True)
    assert r.returncode != 0 and "session-key" in r.stderr, r.stderr
    ignore = (DEPLOY / "base" / ".gitignore").read_text().split()
    assert "session-key" in ignore


def test_renderings_have_stable_names(rendered):
    for name, docs in rendered.items():
        keys = [(d["kind"], d["metadata"]["name"]) for d in docs]
        assert len(keys) == len(set(keys)), f"{name}: duplicate objects {keys}"
        for d in docs:
            if d["kind"] != "Namespace" and d["kind"] != "ClusterRoleBinding":
                assert d["metadata"].get("namespace") == "mcp-gateway", f"{name}: {d['kind']} {d['metadata']['name']}"
    for name in ("base", "tokenreview"):
        docs = rendered[name]
        # No hash suffixes: the gateway's ConfigMap must keep its name for edits to reach running pods.
        one(docs, "ConfigMap", "mcp-gateway-config")
        one(docs, "ConfigMap", "mcp-gateway-envoy")
        one(docs, "Secret", "mcp-gateway-session-key")


CRD_GROUPS = {"monitoring.coreos.com"}


@pytest.mark.parametrize("name", list(RENDERINGS))
def test_objects_validate_against_kubernetes_schemas(rendered, name):
    import kubernetes_validate
    failures, validated, crds = [], 0, []
    for d in rendered[name]:
        if d["apiVersion"].split("/")[0] in CRD_GROUPS:
            crds.append(d["kind"])   # no schema in kubernetes-validate: checked field by field below
            continue
        try:
            kubernetes_validate.validate(d, K8S_VERSION, strict=True)
            validated += 1
        except Exception as e:
            failures.append(f"{d['kind']}/{d['metadata']['name']}: {getattr(e, 'message', e)}")
    assert not failures, "\n".join(failures)
    assert validated >= 3
    assert crds == (["PodMonitor"] if name != "redis" else [])


def test_schema_validation_is_not_vacuous():
    import kubernetes_validate
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"replicas": "two", "selector": {}, "template": {"spec": {"containers": []}}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    typo = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"prots": []}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)


def test_podmonitor_scrapes_the_gateway_admin_port(rendered):
    docs = rendered["base"]
    pm, deploy = one(docs, "PodMonitor"), one(docs, "Deployment", "mcp-gateway")
    assert pm["apiVersion"] == "monitoring.coreos.com/v1"
    assert pm["metadata"]["namespace"] == deploy["metadata"]["namespace"]
    known = {"selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel", "podTargetLabels", "sampleLimit"}
    assert set(pm["spec"]) <= known, set(pm["spec"]) - known
    labels = deploy["spec"]["template"]["metadata"]["labels"]
    sel = pm["spec"]["selector"]["matchLabels"]
    assert sel and all(labels.get(k) == v for k, v in sel.items()), (sel, labels)
    (ep,) = pm["spec"]["podMetricsEndpoints"]
    assert set(ep) <= {"port", "path", "interval", "scrapeTimeout", "scheme", "honorLabels", "relabelings"}
    gw = container(deploy, "gateway")
    assert port_number(gw, ep["port"]) == 9090
    assert ep["path"] == "/metrics"
    assert re.fullmatch(r"\d+[smh]", ep["interval"])


# ---------------------------------------------------------------------------------------------------------------
# The pod, the Service, policies
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_pod_spec(rendered, name):
    docs = rendered[name]
    deploy = one(docs, "Deployment", "mcp-gateway")
    spec = deploy["spec"]
    assert spec["replicas"] == 2
    pod = spec["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["envoy", "gateway"]
    psc = pod.get("securityContext", {})
    assert psc.get("runAsNonRoot") is True and psc.get("seccompProfile") == {"type": "RuntimeDefault"}
    for c in pod["containers"]:
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False, c["name"]
        assert sc["readOnlyRootFilesystem"] is True, c["name"]
        assert sc["capabilities"] == {"drop": ["ALL"]}, c["name"]
        assert sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True
        assert sc.get("seccompProfile", psc.get("seccompProfile")) == {"type": "RuntimeDefault"}
        assert (sc.get("runAsUser") or psc.get("runAsUser") or 0) > 0, f"{c['name']}: numeric non-root uid"
        for k in ("cpu", "memory"):
            assert k in c["resources"]["requests"] and k in c["resources"]["limits"], (c["name"], k)
        for probe in ("readinessProbe", "livenessProbe"):
            assert "httpGet" in c[probe], (c["name"], probe)
    # Envoy: the pinned official image, the same minor release as the Envoy the tests validate against.
    envoy = container(deploy, "envoy")
    m = re.fullmatch(r"(?:docker\.io/)?envoyproxy/envoy:v(1\.40)\.(\d+)(@sha256:[0-9a-f]{64})?", envoy["image"])
    assert m, envoy["image"]
    tested = subprocess.run([str(envoy_binary()), "--version"], capture_output=True, text=True).stdout
    assert f"/{m.group(1)}." in tested, tested
    # Probes reach a port kubelet can reach (not Envoy's loopback admin).
    for probe in ("readinessProbe", "livenessProbe"):
        assert port_number(envoy, envoy[probe]["httpGet"]["port"]) not in (9901,)
    gw = container(deploy, "gateway")
    assert gw["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gw["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe"):
        assert port_number(gw, gw[probe]["httpGet"]["port"]) == 9090
    f = flags(gw["args"])
    assert f["--admin-listen"] == "0.0.0.0:9090", "probes and Prometheus come to the pod IP"
    # gRPC: a Unix socket in an emptyDir that only Envoy and the gateway mount (or the pod's loopback).
    listen = f["--grpc-listen"]
    if listen.startswith("unix:"):
        sock_dir = listen[len("unix:"):].rsplit("/", 1)[0]
        holders = [c["name"] for c in pod["containers"] for m in c.get("volumeMounts", []) if m["mountPath"].rstrip("/") == sock_dir]
        assert sorted(holders) == ["envoy", "gateway"], holders
        (vol,) = [v for v in pod["volumes"] if v["name"] in {m["name"] for m in gw["volumeMounts"] if m["mountPath"].rstrip("/") == sock_dir}]
        assert "emptyDir" in vol, vol
    else:
        assert listen.startswith("127.0.0.1:"), "gRPC stays on the pod's loopback"
    # The config is a directory mount of the ConfigMap (subPath mounts never see updates).
    cfg = f["--config"]
    mounts = {m["mountPath"]: m for m in gw["volumeMounts"]}
    mount = [m for p, m in mounts.items() if cfg.startswith(p.rstrip("/") + "/")]
    assert len(mount) == 1 and "subPath" not in mount[0], mount
    vols = {v["name"]: v for v in pod["volumes"]}
    assert vols[mount[0]["name"]]["configMap"]["name"] == "mcp-gateway-config"
    assert cfg.rsplit("/", 1)[1] == "gateway.json"
    # Envoy's config the same way, and the args Envoy gets point at it.
    ef = flags(envoy["args"])
    emounts = {m["mountPath"]: m for m in envoy["volumeMounts"]}
    (em,) = [m for p, m in emounts.items() if ef["--config-path"].startswith(p.rstrip("/") + "/")]
    assert vols[em["name"]]["configMap"]["name"] == "mcp-gateway-envoy"
    # The API token reaches the gateway only.
    assert pod.get("automountServiceAccountToken") is False
    assert not any(m["mountPath"].startswith("/var/run/secrets") for m in envoy["volumeMounts"])
    # The session key: the file gateway.json names comes from the Secret, which holds >= 16 bytes.
    gwcfg, _ = configs(docs)
    key_path = gwcfg["session"]["secretFile"]
    (km,) = [m for p, m in mounts.items() if key_path.startswith(p.rstrip("/") + "/")]
    secret_name = vols[km["name"]]["secret"]["secretName"]
    secret = one(docs, "Secret", secret_name)
    key = base64.b64decode(secret["data"][key_path.rsplit("/", 1)[1]])
    assert len(key) >= 16
    # The image's user is the pod's user.
    uid = re.search(r"^USER (\d+)", DOCKERFILE.read_text(), re.M).group(1)
    assert str(gw.get("securityContext", {}).get("runAsUser", psc.get("runAsUser"))) == uid


@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_service_pdb_networkpolicy_rbac(rendered, name):
    docs = rendered[name]
    deploy = one(docs, "Deployment", "mcp-gateway")
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    ns = deploy["metadata"]["namespace"]

    def selects(sel):
        return sel and all(pod_labels.get(k) == v for k, v in sel.items())

    svc = one(docs, "Service", "mcp-gateway")
    assert selects(svc["spec"]["selector"])
    ports = {p["port"]: p for p in svc["spec"]["ports"]}
    assert set(ports) == {8080, 9090}
    assert port_number(container(deploy, "envoy"), ports[8080]["targetPort"]) == 8080
    assert port_number(container(deploy, "gateway"), ports[9090]["targetPort"]) == 9090

    pdb = one(docs, "PodDisruptionBudget", "mcp-gateway")
    assert pdb["spec"]["minAvailable"] == 1 and selects(pdb["spec"]["selector"]["matchLabels"])

    np = one(docs, "NetworkPolicy", "mcp-gateway")
    assert selects(np["spec"]["podSelector"]["matchLabels"]) and np["spec"]["policyTypes"] == ["Ingress"]
    rules = {tuple(p["port"] for p in r["ports"]): r.get("from") for r in np["spec"]["ingress"]}
    assert set(rules) == {(8080,), (9090,)}, rules
    assert rules[(8080,)] is None, "8080 from anywhere"
    assert rules[(9090,)] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]

    sa = one(docs, "ServiceAccount", deploy["spec"]["template"]["spec"]["serviceAccountName"])
    crb = one(docs, "ClusterRoleBinding")
    assert crb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"}
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": ns}]
    nsobj = one(docs, "Namespace")
    assert nsobj["metadata"]["name"] == ns
    assert nsobj["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_redis_component_is_optional(rendered):
    docs = rendered["redis"]
    assert {d["kind"] for d in docs} == {"Deployment", "Service", "NetworkPolicy"}
    dep = one(docs, "Deployment")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True and c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert not any(d["kind"] == "Deployment" and "redis" in d["metadata"]["name"] for d in rendered["base"])
    # Opt-in: the shipped configs do not point at it; its comment names the key that does, and the Service it
    # names is the one the component creates.
    for name in ("base", "tokenreview"):
        assert "sharedState" not in configs(rendered[name])[0]
    text = (DEPLOY / "components" / "redis" / "kustomization.yaml").read_text()
    service = one(docs, "Service")["metadata"]["name"]
    assert '"sharedState": { "redis": { "url": "redis://' + service + ':6379" } }' in text


# ---------------------------------------------------------------------------------------------------------------
# The configs inside the ConfigMaps
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_envoy_validates_rendered_config(rendered, name, tmp_path):
    require_netns()
    cm = one(rendered[name], "ConfigMap", "mcp-gateway-envoy")
    f = tmp_path / "envoy.yaml"
    f.write_text(cm["data"]["envoy.yaml"])
    # In a network namespace of its own: the STRICT_DNS names of MCP servers are never looked up outside it.
    r = in_netns([str(envoy_binary()), "--mode", "validate", "-c", str(f)], timeout=120)
    assert r.returncode == 0 and "OK" in (r.stdout + r.stderr), r.stdout + r.stderr


@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_envoy_and_gateway_configs_agree(rendered, name):
    gw, envoy = configs(rendered[name])
    deploy = one(rendered[name], "Deployment", "mcp-gateway")
    gwflags = flags(container(deploy, "gateway")["args"])
    cl = clusters(envoy)
    listen = gwflags["--grpc-listen"]
    if listen.startswith("unix:"):
        assert endpoint(cl["mcp_gateway_grpc"]) == ("unix", listen[len("unix:"):])
    else:
        grpc_host, grpc_port = listen.rsplit(":", 1)
        assert endpoint(cl["mcp_gateway_grpc"]) == (grpc_host, int(grpc_port))
    assert endpoint(cl["mcp_gateway_streams"]) == ("127.0.0.1", 9090)
    assert envoy["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"
    listeners = {item["name"]: item["address"]["socket_address"] for item in envoy["static_resources"]["listeners"]}
    assert listeners["mcp"] == {"address": "0.0.0.0", "port_value": 8080}
    assert listeners["health"]["address"] == "0.0.0.0"
    hcm, filters = http_filters(envoy)
    routes = hcm["route_config"]["virtual_hosts"][0]["routes"]
    server_routes = {}
    for r in routes:
        for h in r["match"].get("headers", []):
            if h["name"] == "x-mcp-server" and "string_match" in h:
                server_routes[h["string_match"]["exact"]] = r["route"]["cluster"]
    assert any(r["match"].get("headers", [{}])[0].get("present_match") and r["route"]["cluster"] == "mcp_dynamic_servers"
               for r in routes if "route" in r), "the dynamic forward proxy route for servers added at run time"
    assert cl["mcp_dynamic_servers"]["cluster_type"]["name"] == "envoy.clusters.dynamic_forward_proxy"
    for s in gw["servers"]:
        url = urllib.parse.urlsplit(s["url"])
        assert url.hostname.endswith(".svc.cluster.local"), f"{s['name']}: a Service DNS name, not {url.hostname}"
        if s.get("cluster", s["name"]) in cl:
            c = cl[s.get("cluster", s["name"])]
            assert server_routes.get(s["name"]) == c["name"]
            assert c["type"] == "STRICT_DNS"
            assert endpoint(c) == (url.hostname, url.port or 80), f"{s['name']}: cluster and url disagree"
    if "mcp_gateway_metadata" in cl:  # the protected-resource metadata's own pool (auth on)
        assert endpoint(cl["mcp_gateway_metadata"]) == ("127.0.0.1", 9090)
    for c in cl.values():
        if c["name"] not in ("mcp_gateway_grpc", "mcp_gateway_streams", "mcp_gateway_metadata", "mcp_dynamic_servers"):
            assert c["type"] == "STRICT_DNS" and endpoint(c)[0].endswith(".svc.cluster.local"), c["name"]
    # Auth on both sides or on neither: the gateway reviews tokens inside ext_proc (which is sent the
    # authorization header), and Envoy serves the protected-resource metadata its 401s point at.
    assert "envoy.filters.http.ext_authz" not in filters
    assert {"exact": "authorization"} in filters["envoy.filters.http.ext_proc"]["typed_config"]["forward_rules"]["allowed_headers"]["patterns"]
    has_metadata_route = any(r["match"].get("path") == "/.well-known/oauth-protected-resource" for r in routes)
    assert ("auth" in gw) == has_metadata_route
    assert ("auth" in gw) == (name == "tokenreview")


def test_tokenreview_overlay_settings(rendered):
    gw, envoy = configs(rendered["tokenreview"])
    assert gw["auth"]["kubernetes"]["audiences"] == ["mcp-gateway"]
    assert "jwt" not in gw["auth"]
    assert gw["rateLimits"] == [{"calls": 100, "perSeconds": 60, "key": "identity"}]
    _, filters = http_filters(envoy)
    # Tokens are reviewed in ext_proc's headers message: fail closed, and no second gRPC exchange.
    assert "envoy.filters.http.ext_authz" not in filters
    assert filters["envoy.filters.http.ext_proc"]["typed_config"]["failure_mode_allow"] is False
    # Everything else is the base's.
    base_gw, _ = configs(rendered["base"])
    assert {k: v for k, v in gw.items() if k not in ("auth", "rateLimits")} == base_gw


def _without_auth(envoy_cfg):
    e = copy.deepcopy(envoy_cfg)
    hcm, _ = http_filters(e)
    hcm["http_filters"] = [f for f in hcm["http_filters"] if f["name"] != "envoy.filters.http.ext_authz"]
    vh = hcm["route_config"]["virtual_hosts"][0]
    vh["routes"] = [r for r in vh["routes"] if r["match"].get("path") != "/.well-known/oauth-protected-resource"]
    e["static_resources"]["clusters"] = [c for c in e["static_resources"]["clusters"] if c["name"] != "mcp_gateway_metadata"]
    return e


def test_envoy_configs_do_not_drift(rendered):
    """The overlay's Envoy config is the base's plus the protected-resource route; both keep envoy/'s filters, access log and
    local replies (what the gateway's processing expects)."""
    _, base = configs(rendered["base"])
    _, auth = configs(rendered["tokenreview"])
    assert _without_auth(auth) == base
    shipped_noauth = yaml.safe_load((ROOT / "envoy" / "envoy-noauth.yaml").read_text())
    shipped_auth = yaml.safe_load((ROOT / "envoy" / "envoy.yaml").read_text())
    for ours, shipped in ((base, shipped_noauth), (auth, shipped_auth)):
        hcm, filters = http_filters(ours)
        shcm, sfilters = http_filters(shipped)
        assert list(filters) == list(sfilters)
        assert filters == sfilters
        for key in ("access_log", "local_reply_config", "request_timeout", "stream_idle_timeout"):
            assert hcm.get(key) == shcm.get(key), key
        ours_cl, shipped_cl = clusters(ours), clusters(shipped)
        for name in ("mcp_gateway_grpc", "mcp_gateway_streams", "mcp_gateway_metadata", "mcp_dynamic_servers"):
            if name not in shipped_cl:
                assert name not in ours_cl, name
                continue
            a, b = copy.deepcopy(ours_cl[name]), copy.deepcopy(shipped_cl[name])
            for c in (a, b):
                for hc in c.get("health_checks", []):
                    hc.pop("no_traffic_interval", None)
                if name == "mcp_gateway_grpc":  # the pod reaches it over a Unix socket, envoy/ over loopback TCP
                    c.pop("load_assignment", None)
            assert a == b, name


# ---------------------------------------------------------------------------------------------------------------
# The pod without Kubernetes
# ---------------------------------------------------------------------------------------------------------------

def _ca_pem() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import datetime
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-cluster-ca")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _lay_out_volumes(docs, deploy, root: Path) -> dict:
    """Each container's volume mounts under root, with the contents kubelet would put there. Returns
    mountPath -> host directory, for every mount of every container."""
    pod = deploy["spec"]["template"]["spec"]
    vols = {v["name"]: v for v in pod["volumes"]}
    mapping = {}
    for c in pod["containers"]:
        for m in c.get("volumeMounts", []):
            assert "subPath" not in m, f"{c['name']}: subPath mounts get no updates"
            v = vols[m["name"]]
            if "configMap" in v:
                files = {k: s.encode() for k, s in one(docs, "ConfigMap", v["configMap"]["name"])["data"].items()}
            elif "secret" in v:
                files = {k: base64.b64decode(s) for k, s in one(docs, "Secret", v["secret"]["secretName"])["data"].items()}
            elif "projected" in v:
                files = {}
                for src in v["projected"]["sources"]:
                    if "serviceAccountToken" in src:
                        files[src["serviceAccountToken"]["path"]] = b"test-projected-token"
                    elif "configMap" in src and src["configMap"]["name"] == "kube-root-ca.crt":
                        for item in src["configMap"]["items"]:
                            files[item["path"]] = _ca_pem()       # kube-root-ca.crt: made by the cluster
                    elif "downwardAPI" in src:
                        for item in src["downwardAPI"]["items"]:
                            files[item["path"]] = deploy["metadata"]["namespace"].encode()
                    else:
                        raise AssertionError(f"unhandled projected source {src}")
            elif "emptyDir" in v:
                files = {}
            else:
                raise AssertionError(f"unhandled volume {v}")
            d = root / m["mountPath"].lstrip("/")
            if not d.exists():
                _kubelet_update(d, files)
            mapping[m["mountPath"].rstrip("/")] = d
    return mapping


def _map_path(p: str, mapping: dict) -> str:
    if p.startswith("unix:"):
        return "unix:" + _map_path(p[len("unix:"):], mapping)
    for mount, host in mapping.items():
        if p.startswith(mount + "/"):
            return str(host / p[len(mount) + 1:])
    return p


def _map_json_paths(value, mapping):
    if isinstance(value, dict):
        return {k: _map_json_paths(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_json_paths(v, mapping) for v in value]
    if isinstance(value, str) and value.startswith("/"):
        return _map_path(value, mapping)
    return value


@pytest.fixture(scope="module")
def pod_runs(rendered, tmp_path_factory):
    require_netns()
    gateway_binary()   # fails with "run make build" if missing
    runs = {}
    for name in ("base", "tokenreview"):
        docs = rendered[name]
        work = tmp_path_factory.mktemp(f"pod-{name}")
        deploy = one(docs, "Deployment", "mcp-gateway")
        mapping = _lay_out_volumes(docs, deploy, work / "fs")
        gw_c, envoy_c = container(deploy, "gateway"), container(deploy, "envoy")
        # The paths inside gateway.json point at mounts; the host copies of the mounts stand in for them.
        gwflags = flags(gw_c["args"])
        cfg_host = Path(_map_path(gwflags["--config"], mapping))
        mapped = json.dumps(_map_json_paths(json.loads(cfg_host.read_text()), mapping), indent=2)
        _kubelet_update(cfg_host.parent, {cfg_host.name: mapped.encode()})
        new_cfg = json.loads(mapped)
        new_cfg["servers"].append({"name": "physics", "url": "http://mcp-server.physics-mcp.svc.cluster.local:8080/mcp"})
        # Envoy's config names the gRPC socket by its path in the pod: point it at the host copy.
        envoy_cfg_host = Path(_map_path(flags(envoy_c["args"])["--config-path"], mapping))
        envoy_text = envoy_cfg_host.read_text()
        for path in set(re.findall(r"pipe: \{ path: (\S+) \}", envoy_text)):
            envoy_text = envoy_text.replace(f"pipe: {{ path: {path} }}", f"pipe: {{ path: {_map_path(path, mapping)} }}")
        _kubelet_update(envoy_cfg_host.parent, {envoy_cfg_host.name: envoy_text.encode()})
        gw_argv = [str(gateway_binary())] + [_map_path(a, mapping) for a in gw_c["args"]]
        assert envoy_c["command"] == ["/usr/local/bin/envoy"]
        envoy_argv = [str(envoy_binary())] + [_map_path(a, mapping) for a in envoy_c["args"]]
        probes = []
        for c in (envoy_c, gw_c):
            for kind in ("readinessProbe", "livenessProbe"):
                hg = c[kind]["httpGet"]
                probes.append({"id": f"{c['name']}.{kind}", "path": hg["path"], "port": port_number(c, hg["port"])})
        spec = {
            "work": str(work), "pod_ip": POD_IP, "gateway_argv": gw_argv, "envoy_argv": envoy_argv,
            # What kubelet sets in every container (the gateway's TokenReview client finds the API server so).
            "gateway_env": {"KUBERNETES_SERVICE_HOST": "192.0.2.1", "KUBERNETES_SERVICE_PORT": "443"},
            "probes": probes, "ready_timeout": 30, "ports_to_check": [8080, 8081, 9090, 9901, 50051],
            "http_port": 8080, "admin_port": 9090, "mcp_path": new_cfg.get("mcpPath", "/mcp"),
            "config_path": str(cfg_host), "new_config": json.dumps(new_cfg), "new_server": "physics",
        }
        spec_file = work / "spec.json"
        spec_file.write_text(json.dumps(spec))
        r = in_netns([sys.executable, str(Path(__file__).resolve()), "pod-driver", str(spec_file)], timeout=180)
        assert r.returncode == 0, f"pod driver failed:\n{r.stdout}\n{r.stderr}"
        runs[name] = json.loads(r.stdout.strip().splitlines()[-1])
    return runs


def _explain(run):
    return "\n".join(f"--- {n} log (tail) ---\n{log[-4000:]}" for n, log in run["logs"].items())


@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_pod_starts_with_rendered_configs(pod_runs, name):
    run = pod_runs[name]
    assert not run["errors"], run["errors"]
    assert run["alive_before_stop"] == {"envoy": True, "gateway": True}, _explain(run)
    log = run["logs"]["gateway"]
    assert '"msg":"mcp-gateway started"' in log and "could not start" not in log, _explain(run)
    assert '"level":"error"' not in log, _explain(run)
    assert run["exit_codes"]["gateway"] == 0, _explain(run)


@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_every_probe_passes_on_the_pod_ip(pod_runs, name):
    run = pod_runs[name]
    assert run["probes"] and all(s == 200 for s in run["probes"].values()), (run["probes"], _explain(run))
    assert run["seconds_to_ready"] < 20, "Envoy's health check of the gateway must not wait for no_traffic_interval's default"


@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_only_the_declared_ports_are_on_the_pod_ip(pod_runs, name):
    run = pod_runs[name]
    assert run["pod_ip_open"] == {"8080": True, "8081": True, "9090": True, "9901": False, "50051": False}, run["pod_ip_open"]
    # Envoy's admin listens on loopback; the gateway's gRPC is on the pod's Unix socket only, not even on
    # loopback TCP (the MCP exchanges through Envoy in the tests below show Envoy reaches it there).
    assert run["loopback_open"]["9901"] and not run["loopback_open"]["50051"]


def test_mcp_through_envoy_unauthenticated_base(pod_runs):
    init = pod_runs["base"]["initialize"]
    assert init["status"] == 200, init
    assert init["headers"].get("mcp-session-id"), init
    assert '"serverInfo"' in init["body"]


def test_mcp_through_envoy_requires_a_token_with_the_overlay(pod_runs):
    init = pod_runs["tokenreview"]["initialize"]
    assert init["status"] == 401, init
    assert init["headers"].get("www-authenticate", "").startswith("Bearer"), init


@pytest.mark.parametrize("name", ["base", "tokenreview"])
def test_configmap_update_reloads_without_restart(pod_runs, name):
    """kubelet updates a directory-mounted ConfigMap by swapping the `..data` symlink; the file's path stays a
    symlink, and stat() (which follows it) sees a new inode and mtime: the gateway's 2 s mtime poll reloads."""
    run = pod_runs[name]
    assert run["stat_changed"] == {"mtime_ns": True, "ino": True}
    assert run["reload"]["success_count"] and run["reload"]["new_server_in_metrics"], (run["reload"], _explain(run))
    assert run["alive_before_stop"]["gateway"], "reloaded, not restarted"


def test_symlink_swap_is_seen_by_stat_but_not_lstat(tmp_path):
    """Why a directory mount works and why the gateway must use stat(), not lstat(): the visible name is a
    symlink that never changes; only its target does."""
    d = tmp_path / "config"
    _kubelet_update(d, {"gateway.json": b"{}"})
    p = d / "gateway.json"
    s1, l1 = os.stat(p), os.lstat(p)
    time.sleep(0.01)
    _kubelet_update(d, {"gateway.json": b'{"x":1}'})
    s2, l2 = os.stat(p), os.lstat(p)
    assert (s1.st_ino, s1.st_mtime_ns) != (s2.st_ino, s2.st_mtime_ns)
    assert (l1.st_ino, l1.st_mtime_ns) == (l2.st_ino, l2.st_mtime_ns)
    assert p.read_bytes() == b'{"x":1}'


# ---------------------------------------------------------------------------------------------------------------
# The container image
# ---------------------------------------------------------------------------------------------------------------

def dockerfile_stages(text: str) -> list:
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append({"from": rest.split()[0], "name": rest.split()[-1] if " AS " in rest.upper() else None, "lines": []})
        elif stages:
            stages[-1]["lines"].append((word.upper(), rest))
    return stages


def apt_installs(stage) -> set:
    pkgs = set()
    for word, rest in stage["lines"]:
        if word != "RUN":
            continue
        for cmd in re.split(r"&&|;", rest):
            toks = cmd.split()
            if "apt-get" in toks and "install" in toks:
                pkgs |= {t for t in toks[toks.index("install") + 1:] if not t.startswith("-")}
    return pkgs


def runtime_library_problems(dockerfile_text: str, binary: Path) -> list:
    stages = dockerfile_stages(dockerfile_text)
    build = [s for s in stages if any(w == "RUN" and "swift build" in r for w, r in s["lines"])]
    assert len(build) == 1, "one build stage running swift build"
    build, runtime = build[0], stages[-1]
    swift_build = next(r for w, r in build["lines"] if w == "RUN" and "swift build" in r)
    static = "--static-swift-stdlib" in swift_build
    copied_swift_libs = any(w == "COPY" and "--from=" in r and "/usr/lib/swift" in r for w, r in runtime["lines"])
    installed = apt_installs(runtime)
    problems = []
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if not m:
            continue
        soname, path = m.groups()
        if path == "not":
            problems.append(f"{soname}: not found by ldd")
            continue
        if "/swift/" in path:
            if not (static or copied_swift_libs):
                problems.append(f"{soname}: Swift runtime library neither linked statically nor copied")
            continue
        r = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True)
        if r.returncode != 0:
            r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if r.returncode != 0:
            problems.append(f"{soname} ({path}): no Debian package owns it")
            continue
        pkg = r.stdout.split(":")[0].strip()
        if pkg not in SLIM_BASE_PACKAGES and pkg not in installed:
            problems.append(f"{soname}: package {pkg} is not installed by the runtime stage ({sorted(installed)})")
    return problems


def built_binary() -> Path:
    release = ROOT / ".build" / "release" / "mcp-gateway"
    return release if release.exists() else gateway_binary()


def test_dockerfile_runtime_libraries_cover_the_binary():
    problems = runtime_library_problems(DOCKERFILE.read_text(), built_binary())
    assert not problems, "\n".join(problems)


def test_runtime_library_check_is_not_vacuous():
    text = DOCKERFILE.read_text()
    assert "libssl3" in text
    broken = text.replace(" libssl3 ", " ")
    assert any("libssl3" in p for p in runtime_library_problems(broken, built_binary()))
    dynamic = text.replace("--static-swift-stdlib", "")
    assert any("libswiftCore.so" in p for p in runtime_library_problems(dynamic, built_binary()))


def test_dockerfile_shape():
    stages = dockerfile_stages(DOCKERFILE.read_text())
    assert len(stages) == 2
    build, runtime = stages
    assert re.fullmatch(r"(docker\.io/(library/)?)?swift:6\.\d+(\.\d+)?-bookworm", build["from"]), build["from"]
    assert re.fullmatch(r"(docker\.io/(library/)?)?debian:bookworm-slim", runtime["from"]), runtime["from"]
    run = " ".join(r for w, r in build["lines"] if w == "RUN")
    assert "swift build -c release --product mcp-gateway" in run
    assert {"libnghttp2-dev", "libssl-dev"} <= apt_installs(build)
    assert apt_installs(runtime) == {"libnghttp2-14", "libssl3", "ca-certificates"}
    users = [r for w, r in runtime["lines"] if w == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]), "numeric non-root USER (runAsNonRoot checks it)"
    assert ("ENTRYPOINT", '["/usr/local/bin/mcp-gateway"]') in runtime["lines"]
    ignore = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert ignore[0] == "*" and "!Package.swift" in ignore and "!Sources/" in ignore


# ---------------------------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------------------------

PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}
PROMETHEUS_TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "endpoint", "service"}


def promql_names(expr: str):
    """(metric names, label names) an expression uses."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # string literals
    e = re.sub(r"\$\{?\w+\}?", "x", e)                     # Grafana variables
    e = re.sub(r"\[[^\]]*\]", "", e)                       # range selectors
    labels = set()
    for m in re.finditer(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", e):
        labels |= {t.strip() for t in m.group(1).split(",") if t.strip()}
    e = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    for m in re.finditer(r"\{([^}]*)\}", e):
        labels |= {lm.group(1) for lm in re.finditer(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", m.group(1))}
    e = re.sub(r"\{[^}]*\}", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][\w:]*", e):
        tail = e[m.end():].lstrip()
        if tail.startswith("(") or m.group(0) in PROMQL_WORDS or m.group(0) == "x":
            continue
        names.add(m.group(0))
    return names, labels


def dashboard_queries(dash) -> list:
    out = []

    def walk(panels):
        for p in panels:
            out.extend(t["expr"] for t in p.get("targets", []) if t.get("expr"))
            walk(p.get("panels", []))
    walk(dash["panels"])
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q)
            assert m, q
            out.append(f"count by ({m.group(2)}) ({m.group(1)})")
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Metric series names and labels from the running gateway's /metrics, plus labels its sources declare."""
    d = tmp_path_factory.mktemp("metrics")
    cfg = d / "gateway.json"
    cfg.write_text(json.dumps({"servers": [{"name": "calculus", "url": f"http://127.0.0.1:{free_port()}/mcp"}]}))
    gw = Gateway(d, extra_args=["--config", str(cfg)])
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{gw.admin_port}/metrics", timeout=5) as r:
            text = r.read().decode()
    finally:
        gw.stop()
    families = dict(re.findall(r"^# TYPE (\S+) (\S+)", text, re.M))
    assert "mcp_tool_calls_total" in families, text[:500]
    series, labels = {}, {}
    for fam, kind in families.items():
        names = [fam + s for s in ("_bucket", "_sum", "_count")] if kind == "histogram" else [fam]
        for n in names:
            series[n] = fam
    for m in re.finditer(r"^([A-Za-z_:][\w:]*)\{([^}]*)\}", text, re.M):
        fam = series.get(m.group(1), m.group(1))
        labels.setdefault(fam, set()).update(re.findall(r'(\w+)="', m.group(2)))
    src = "\n".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))
    for m in re.finditer(r'(?:Metric|Histogram|Counter|Gauge)Family\("(\w+)".*?labels: \[([^\]]*)\]', src, re.S):
        if m.group(1) in families:
            labels.setdefault(m.group(1), set()).update(re.findall(r'"(\w+)"', m.group(2)))
    return series, labels


def dashboard_problems(dash, exported) -> list:
    series, labels = exported
    problems = []
    for expr in dashboard_queries(dash):
        names, used = promql_names(expr)
        if not names:
            problems.append(f"no metric in {expr!r}")
        allowed = set(PROMETHEUS_TARGET_LABELS)
        for n in names:
            if n not in series:
                problems.append(f"{n}: not exported by the gateway (in {expr!r})")
                continue
            allowed |= labels.get(series[n], set())
            if n.endswith("_bucket"):
                allowed.add("le")
        for label in used - allowed:
            problems.append(f"label {label!r} is not a label of {sorted(names)} (in {expr!r})")
    return problems


def test_dashboard_queries_use_exported_metrics(exported):
    dash = json.loads(DASHBOARD.read_text())
    problems = dashboard_problems(dash, exported)
    assert not problems, "\n".join(problems)
    used = set()
    for expr in dashboard_queries(dash):
        used |= promql_names(expr)[0]
    required = {"mcp_tool_calls_total", "mcp_tool_call_duration_seconds_bucket", "mcp_auth_decisions_total",
                "mcp_rate_limited_total", "mcp_upstream_up", "mcp_upstream_tools", "mcp_sessions_active",
                "process_cpu_seconds_total", "process_resident_memory_bytes"}
    assert required <= used, required - used
    exprs = " ".join(dashboard_queries(dash))
    for q in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({q}, sum by (le) (rate(mcp_tool_call_duration_seconds_bucket" in exprs, q


def test_dashboard_check_is_not_vacuous(exported):
    bad = {"panels": [{"targets": [{"expr": 'sum by (server) (rate(mcp_tool_calls_totl[5m]))'},
                                   {"expr": 'sum by (colour) (mcp_upstream_up)'}]}], "templating": {"list": []}}
    problems = dashboard_problems(bad, exported)
    assert any("mcp_tool_calls_totl" in p for p in problems) and any("colour" in p for p in problems), problems


def test_dashboard_is_well_formed():
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] and dash["title"]
    ids = []

    def walk(panels):
        for p in panels:
            ids.append(p["id"])
            if p["type"] != "row":
                assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
                for t in p["targets"]:
                    assert t["expr"].count("(") == t["expr"].count(")") and t["expr"].count("{") == t["expr"].count("}"), t
            walk(p.get("panels", []))
    walk(dash["panels"])
    assert len(ids) == len(set(ids))
    assert {v["name"] for v in dash["templating"]["list"]} >= {"datasource", "namespace", "job", "server"}


# ---------------------------------------------------------------------------------------------------------------
# Setup installs what these tests need
# ---------------------------------------------------------------------------------------------------------------

def test_setup_installs_the_tools():
    assert "kubernetes-client" in (ROOT / "scripts" / "setup.sh").read_text()
    reqs = (ROOT / "scripts" / "requirements.txt").read_text()
    assert re.search(r"^kubernetes-validate==\d+\.\d+\.\d+$", reqs, re.M)
