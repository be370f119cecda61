# syntax=docker/dockerfile:1
# Multi-stage build: compile with the locked dependency set, run as an unprivileged user.
FROM rust:1.95-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
# Dependency layer: build every dependency against stub sources first, so a change to our own
# code reuses this layer and recompiles only govwire (cargo-chef's idea, without cargo-chef).
# The manifest names the lib, the binary and the benches; each gets an empty stand-in.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && awk '/^\[\[bench\]\]/ { b = 1; next } b && /^name/ { gsub(/.*= *"|"/, ""); print; b = 0 }' Cargo.toml \
    | while read -r bench; do echo 'fn main() {}' > "benches/$bench.rs"; done \
 && cargo build --release --locked \
 && rm -rf src target/release/govwire target/release/deps/govwire-* target/release/deps/libgovwire-* \
    target/release/.fingerprint/govwire-*
COPY src ./src
COPY templates ./templates
RUN cargo build --release --locked && strip target/release/govwire

FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 govwire \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin govwire \
 && mkdir -p /data /etc/govwire && chown 10001:10001 /data
COPY --from=build /src/target/release/govwire /usr/local/bin/govwire
COPY sources.toml /etc/govwire/sources.toml
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# Mount your own config folder over /etc/govwire (a folder, not the file: editors save by
# writing a new file and renaming it, which a single-file bind mount does not follow, so
# reload-on-save would never see the change); data lives in the /data volume.
ENV GOVWIRE_CONFIG=/etc/govwire/sources.toml \
    GOVWIRE_DATA_DIR=/data \
    GOVWIRE_LISTEN=0.0.0.0:8080
EXPOSE 8080
# No shell or curl in the image: the binary probes its own /healthz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["govwire", "healthcheck"]
ENTRYPOINT ["govwire"]
CMD ["serve"]
