# palermo container image: a static binary on a distroless, non-root base.
# Build: docker build -t palermo .
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION}" \
      -o /out/palermo ./cmd/palermo \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/palermo /usr/local/bin/palermo
# The data directory belongs to the distroless nonroot user (65532), so a
# named volume mounted there starts out writable.
COPY --from=build --chown=65532:65532 /out/data /var/lib/palermo
# The embedded default needs no configuration and no network; mount a
# configuration at /etc/palermo/palermo.yaml and pass --config to change it.
WORKDIR /var/lib/palermo
VOLUME /var/lib/palermo
USER 65532:65532
EXPOSE 9741
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/palermo", "healthcheck", "--url", "http://127.0.0.1:9741/healthz"]
ENTRYPOINT ["/usr/local/bin/palermo"]
CMD ["serve", "--listen", "0.0.0.0:9741", "--data-dir", "/var/lib/palermo"]
