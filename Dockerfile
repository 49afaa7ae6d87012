# Herald container images.
#
#   docker build -t herald:local .                                  # herald (default, last stage)
#   docker build -t herald-sipp-carrier:local --target sipp-carrier .  # SIPp test carrier
#
# docker-compose.yml builds both. The herald image runs one binary; its
# first argument picks the service: `all`, `talker`, `recipient`,
# `scheduler`, `ui`, `migrate`, ... Configuration comes from
# /etc/herald/herald.toml (the commented defaults) and HERALD__SECTION__KEY
# environment variables.

# ---------------------------------------------------------------- build
FROM rust:1-bookworm AS build
WORKDIR /src
# sqlx's query macros must not need a live database inside the build.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never \
    CARGO_NET_RETRY=5
COPY . .
RUN cargo build --release --locked -p herald \
 && install -D -m 0755 target/release/herald /out/herald \
 && rm -rf target

# ---------------------------------------------------------------- SIPp carrier
# A carrier trunk for demos and load tests: SIPp from Debian's sip-tester
# running one of loadtest/sipp/uas_*.xml (uas_mix.xml by default).
FROM debian:bookworm-slim AS sipp-carrier
RUN apt-get update \
 && apt-get install -y --no-install-recommends sip-tester \
 && rm -rf /var/lib/apt/lists/*
COPY loadtest/sipp/ /opt/herald/sipp/
WORKDIR /var/log/sipp
ENV SIPP_SCENARIO=uas_mix.xml \
    SIPP_PORT=5060 \
    SIPP_MEDIA_PORT=16000
EXPOSE 5060/udp 16000/udp
# SIPp binds the container's own address (it also goes in Via/Contact/SDP);
# extra arguments (docker run ... IMAGE -m 100) are appended.
ENTRYPOINT ["/bin/sh", "-c", "ip=\"$(hostname -i | cut -d' ' -f1)\"; exec sipp -sf \"/opt/herald/sipp/$SIPP_SCENARIO\" -i \"$ip\" -p \"$SIPP_PORT\" -mp \"$SIPP_MEDIA_PORT\" -nostdin -aa -rtp_echo -f 10 -trace_err -error_file /var/log/sipp/errors.log \"$@\"", "sipp"]

# ---------------------------------------------------------------- herald
FROM debian:bookworm-slim AS herald
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates espeak-ng \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/herald --create-home --shell /usr/sbin/nologin herald
COPY --from=build /out/herald /usr/local/bin/herald
COPY config/herald.toml /etc/herald/herald.toml
COPY sounds/ /usr/share/herald/sounds/
USER herald
WORKDIR /var/lib/herald
# UI/API; Talker SIP; Recipient SIP. RTP uses the ranges in herald.toml.
EXPOSE 8080/tcp 5070/udp 5070/tcp 5080/udp 5080/tcp
ENTRYPOINT ["herald"]
CMD ["all"]
