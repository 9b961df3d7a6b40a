# RustyPotato server and CLI in one small image.
#
#   docker build -t rustypotato .
#   docker run -p 6379:6379 -p 9121:9121 -v potato-data:/data rustypotato
#
# The build flags below are checked by server/packaging_test.go, which runs
# the same `go build` commands: keep the RUN line's shape
# (`go build <flags> -o /out/<name> ./cmd/<name>` joined by &&).

# Build stage: the official Go image, pinned to the go.mod toolchain.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binaries: no cgo, so they run on distroless/static.
ENV CGO_ENABLED=0 GOOS=linux
RUN go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/rustypotato ./cmd/rustypotato && \
    go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/rustypotato-cli ./cmd/rustypotato-cli && \
    mkdir -p /out/data

# Runtime stage: distroless static (no shell, no libc), Debian 12 based,
# running as its built-in non-root user (uid/gid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rustypotato /out/rustypotato-cli /usr/local/bin/
# The annotated example config; the container's own settings are the
# command-line overrides in CMD below (later values win).
COPY rustypotato.conf /etc/rustypotato/rustypotato.conf
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
# 6379: RESP. 9121: Prometheus /metrics (redis_exporter's port).
EXPOSE 6379 9121
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/rustypotato-cli", "-e", "ping"]
ENTRYPOINT ["/usr/local/bin/rustypotato"]
# Inside a container: listen on all interfaces (publish the port to choose
# who reaches it) with protected mode off, as Redis's official image does;
# data in the /data volume; Prometheus metrics on 9121. Set requirepass
# (e.g. --requirepass ...) before exposing the port beyond your host.
CMD ["/etc/rustypotato/rustypotato.conf", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data", "--metrics-addr", "0.0.0.0:9121"]
