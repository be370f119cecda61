# syntax=docker/dockerfile:1
# Multi-stage build: compile with the locked dependency set, run as an unprivileged user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY templates ./templates
RUN cargo build --release --locked && strip target/release/govwire

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin govwire \
 && mkdir -p /data /etc/govwire && chown govwire /data
COPY --from=build /src/target/release/govwire /usr/local/bin/govwire
COPY sources.toml /etc/govwire/sources.toml
USER govwire
WORKDIR /data
VOLUME ["/data"]
# Mount your own config over /etc/govwire/sources.toml; data lives in the /data volume.
ENV GOVWIRE_CONFIG=/etc/govwire/sources.toml \
    GOVWIRE_DATA_DIR=/data \
    GOVWIRE_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["govwire"]
CMD ["serve"]
