"""LiveKit on a node: its config file and the boot script (EC2 user-data) that writes it.

Pure functions, so tests read exactly what a node will run. The API key and secret are not in
the user-data: the node fetches them from Secrets Manager at boot and the shell fills them in.

Scale-in drains instead of cutting calls: the Auto Scaling group's terminate hook holds a
node in `Terminating:Wait`; `parley-drain` sees that through the instance metadata
(`autoscaling/target-lifecycle-state`), stops LiveKit with SIGTERM — LiveKit then takes no new
rooms and exits once its rooms are empty (the matcher closes every room at its session's end,
15 minutes at most) — and completes the hook. The NLB's long deregistration delay keeps open
signalling connections alive meanwhile; a reconnecting client lands on another node, which
routes it (through Redis) to the room's node.
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass

SIGNAL_PORT = 7880
RTC_TCP_PORT = 7881
RTC_UDP_PORTS = (50000, 60000)
TURN_UDP_PORT = 3478
TURN_TLS_PORT = 5349
HOOK_NAME = "drain"
AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


@dataclass(frozen=True)
class NodeConfig:
    region: str
    domain: str  # the NLB's name: wss:// for signalling, turns: on 5349
    secret_arn: str  # JSON {"apiKey", "apiSecret"}
    redis_address: str  # host:port, TLS
    webhook_url: str
    version: str
    asg_name: str
    drain_seconds: int
    log_level: str = "info"


def livekit_yaml(c: NodeConfig) -> str:
    """LiveKit's config; `${LIVEKIT_API_KEY}`/`${LIVEKIT_API_SECRET}` are filled in at boot."""
    return textwrap.dedent(
        f"""\
        port: {SIGNAL_PORT}
        bind_addresses:
          - ""
        logging:
          level: {c.log_level}
        rtc:
          tcp_port: {RTC_TCP_PORT}
          port_range_start: {RTC_UDP_PORTS[0]}
          port_range_end: {RTC_UDP_PORTS[1]}
          use_external_ip: true
        redis:
          address: {c.redis_address}
          use_tls: true
        turn:
          enabled: true
          domain: {c.domain}
          udp_port: {TURN_UDP_PORT}
          tls_port: {TURN_TLS_PORT}
          external_tls: true
        keys:
          ${{LIVEKIT_API_KEY}}: ${{LIVEKIT_API_SECRET}}
        webhook:
          api_key: ${{LIVEKIT_API_KEY}}
          urls:
            - {c.webhook_url}
        """
    )


def _drain_script(c: NodeConfig) -> str:
    return textwrap.dedent(
        f"""\
        #!/bin/bash
        # Scale-in: wait for the ASG to mark this node for termination, let LiveKit drain,
        # then tell the ASG to go on (see infra/livekit.py and docs/runbook.md).
        set -u
        IMDS=http://169.254.169.254/latest
        while true; do
          TOKEN=$(curl -sf -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
          STATE=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" \\
            "$IMDS/meta-data/autoscaling/target-lifecycle-state" || true)
          if [ "$STATE" = "Terminated" ]; then
            ID=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/instance-id")
            docker stop --time {c.drain_seconds} livekit || true
            aws autoscaling complete-lifecycle-action --region {c.region} \\
              --auto-scaling-group-name {c.asg_name} --lifecycle-hook-name {HOOK_NAME} \\
              --instance-id "$ID" --lifecycle-action-result CONTINUE
            exit 0
          fi
          sleep 10
        done
        """
    )


def user_data(c: NodeConfig) -> str:
    config = livekit_yaml(c)
    # The config goes through an unquoted heredoc: nothing but the two keys may expand.
    if config.replace("${LIVEKIT_API_KEY}", "").replace("${LIVEKIT_API_SECRET}", "").count("$"):
        raise ValueError("LiveKit config would expand more than its keys")
    if "`" in config:
        raise ValueError("LiveKit config must not contain backticks")
    return "\n".join(
        [
            "#!/bin/bash",
            "set -euo pipefail",
            "dnf install -y docker jq",
            "systemctl enable --now docker",
            f"SECRET=$(aws secretsmanager get-secret-value --region {c.region} "
            f"--secret-id '{c.secret_arn}' --query SecretString --output text)",
            'LIVEKIT_API_KEY=$(jq -r .apiKey <<<"$SECRET")',
            'LIVEKIT_API_SECRET=$(jq -r .apiSecret <<<"$SECRET")',
            "install -d -m 0700 /etc/livekit",
            "umask 077",
            "cat > /etc/livekit/livekit.yaml <<LIVEKIT",
            config.rstrip("\n"),
            "LIVEKIT",
            "unset SECRET LIVEKIT_API_KEY LIVEKIT_API_SECRET",
            "docker run -d --name livekit --restart unless-stopped --network host \\",
            "  -v /etc/livekit/livekit.yaml:/etc/livekit.yaml:ro \\",
            f"  livekit/livekit-server:{c.version} --config /etc/livekit.yaml",
            "cat > /usr/local/bin/parley-drain <<'DRAIN'",
            _drain_script(c).rstrip("\n"),
            "DRAIN",
            "chmod 0755 /usr/local/bin/parley-drain",
            "cat > /etc/systemd/system/parley-drain.service <<'UNIT'",
            "[Unit]",
            "Description=Drain LiveKit when the Auto Scaling group terminates this node",
            "After=docker.service",
            "[Service]",
            "ExecStart=/usr/local/bin/parley-drain",
            "Restart=always",
            "[Install]",
            "WantedBy=multi-user.target",
            "UNIT",
            "systemctl daemon-reload",
            "systemctl enable --now parley-drain",
            "",
        ]
    )


def user_data_base64(c: NodeConfig) -> str:
    return base64.b64encode(user_data(c).encode()).decode()
