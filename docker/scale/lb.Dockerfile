# The load balancer in front of causerie's instances
# (docker-compose.scale.yml): HAProxy from Debian 12's own packages.
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="causerie-lb" \
      org.opencontainers.image.description="HAProxy (Debian 12) in front of several causerie instances"
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/*
COPY haproxy.cfg /etc/haproxy/haproxy.cfg
# The configuration must parse (servers are resolved later, at run time).
RUN haproxy -c -f /etc/haproxy/haproxy.cfg
USER haproxy
EXPOSE 8080
# Healthy while HAProxy answers and at least one instance is up.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /lb-healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# -W: master-worker (reload with SIGUSR2), -db: in the foreground.
CMD ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]
