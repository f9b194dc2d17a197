# mcp-gateway container image: the gateway alone (Envoy runs beside it from the official envoyproxy/envoy
# image; see deploy/kubernetes). Build from the repository root:
#
#   docker build -t mcp-gateway:0.1.0 .
#
# tests/test_deploy.py checks that the runtime stage installs every Debian package the binary's shared
# libraries come from (ldd + dpkg -S on the built binary) and that the Swift runtime is linked statically.

# ---- build: the official Swift image (Debian 12 "bookworm", like the runtime stage below) ----
FROM docker.io/library/swift:6.3-bookworm AS build
# The system libraries the package's system-library targets link (CNghttp2, COpenSSL), found by pkg-config.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libnghttp2-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The package has no dependencies to resolve: the manifest and the sources are the whole input.
COPY Package.swift ./
COPY Sources ./Sources
# --static-swift-stdlib: the Swift runtime, Foundation and Dispatch are linked into the binary, so the runtime
# image needs none of /usr/lib/swift. Only libc, libstdc++/libgcc (in debian:bookworm-slim) and the
# libraries installed below remain dynamic.
RUN swift build -c release --product mcp-gateway --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/mcp-gateway" /out/mcp-gateway

# ---- runtime: Debian slim with the two shared libraries the binary needs ----
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libnghttp2-14 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# A fixed, numeric, non-root user: Kubernetes' runAsNonRoot can verify it (deploy/kubernetes runs as 10001).
RUN groupadd --system --gid 10001 mcp-gateway \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mcp-gateway
COPY --from=build /out/mcp-gateway /usr/local/bin/mcp-gateway
USER 10001:10001
# ext_proc / ext_authz gRPC (bind it to 127.0.0.1 beside Envoy), admin HTTP (/healthz /readyz /metrics).
EXPOSE 50051 9090
ENTRYPOINT ["/usr/local/bin/mcp-gateway"]
CMD ["--help"]
