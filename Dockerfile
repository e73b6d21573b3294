# syntax=docker/dockerfile:1
# OnRecord: one static binary on a distroless base, running as non-root,
# with the database on a volume. .ci/run builds the binary the same way, so
# a broken build shows there too where no Docker engine runs.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that source edits do not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Pure Go (modernc.org/sqlite): no cgo, so the binary runs on an image
# without libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/onrecord ./cmd/onrecord \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/onrecord /usr/local/bin/onrecord
# The volume's mount point must belong to the non-root user, or the
# database cannot be created in it.
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV ONRECORD_DB=/data/onrecord.db \
    ONRECORD_HTTP_ADDR=:8080 \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# No shell in the image: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/onrecord", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/onrecord"]
CMD ["serve"]
