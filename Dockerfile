# specgate as a container image: built on Debian 12 from source, run on Debian 12 slim with only the package's runtime libraries.
#   podman build -t specgate .            (or docker build; BASE picks the Debian 12 base, default debian:12-slim)
#   docker run -p 5601:5601 specgate                                  the embedded Kibana contract
#   docker run -p 5601:5601 -v $PWD/spec:/spec:ro specgate mock --host 0.0.0.0 --spec /spec/openapi.yaml
ARG BASE=debian:12-slim

FROM ${BASE} AS build
# The build's Debian packages (the Makefile's PACKAGES without the test-only ones) plus help2man for the man page.
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config ccache ca-certificates dpkg-dev file help2man \
      libboost-dev libssl-dev libvalijson-dev nlohmann-json3-dev libyaml-dev libcli11-dev libre2-dev \
      rapidjson-dev zlib1g-dev libbrotli-dev libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*
# COMMIT: what --version names (the build context has no .git); CCACHE_DIR: a cache mounted with
# `podman build -v HOST_CACHE:/ccache` reuses compiled objects (make image-check does); without it, a cold build.
ARG COMMIT=unknown
ENV CCACHE_DIR=/ccache CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DSPECGATE_COMMIT=${COMMIT} \
    && cmake --build build --target specgate specgate_man \
    && cd build && cpack

FROM ${BASE}
# The package itself: apt resolves its Depends (shlibdeps), so the image holds exactly the runtime libraries.
COPY --from=build /src/build/package/specgate_*_amd64.deb /tmp/
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/specgate_*_amd64.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/specgate_*_amd64.deb \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin specgate
USER specgate
EXPOSE 5601
# bash's /dev/tcp: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5601 && printf 'GET /__specgate/health HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# The mock listens on 127.0.0.1 by default; in a container it must listen on every interface.
ENTRYPOINT ["specgate"]
CMD ["mock", "--host", "0.0.0.0", "--port", "5601"]
