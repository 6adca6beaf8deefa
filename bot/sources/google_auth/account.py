"""The service account's JSON key, as the Google Cloud console downloads it.

Only `client_email`, `private_key` (PEM, PKCS#8) and `private_key_id` are used; `token_uri` is read but
`GOOGLE_TOKEN_URL` decides where the assertion goes (a test or a proxy points it elsewhere). The key is
kept as a `SecretStr`: it never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"


class ServiceAccountError(ValueError):
    """The key file cannot be used; the message names the file and the field, never a value of it."""


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    client_email: str
    private_key: SecretStr
    private_key_id: str = ""
    token_uri: str = DEFAULT_TOKEN_URL

    @classmethod
    def load(cls, path: str | Path) -> ServiceAccount:
        file = Path(path).expanduser()
        try:
            raw = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ServiceAccountError(
                f"GOOGLE_SERVICE_ACCOUNT_FILE {file}: cannot be read ({type(exc).__name__})"
            ) from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise ServiceAccountError(f"GOOGLE_SERVICE_ACCOUNT_FILE {file}: not JSON") from None
        if not isinstance(data, dict):
            raise ServiceAccountError(f"GOOGLE_SERVICE_ACCOUNT_FILE {file}: not a JSON object")
        if data.get("type", "service_account") != "service_account":
            raise ServiceAccountError(
                f"GOOGLE_SERVICE_ACCOUNT_FILE {file}: type is {data.get('type')!r}, not a service account key"
            )
        missing = [
            k for k in ("client_email", "private_key") if not isinstance(data.get(k), str) or not data[k]
        ]
        if missing:
            raise ServiceAccountError(f"GOOGLE_SERVICE_ACCOUNT_FILE {file}: {', '.join(missing)} missing")
        if "PRIVATE KEY-----" not in data["private_key"]:
            raise ServiceAccountError(f"GOOGLE_SERVICE_ACCOUNT_FILE {file}: private_key is not a PEM key")
        return cls(
            client_email=data["client_email"],
            private_key=SecretStr(data["private_key"]),
            private_key_id=str(data.get("private_key_id") or ""),
            token_uri=str(data.get("token_uri") or DEFAULT_TOKEN_URL),
        )

    def __repr__(self) -> str:
        return f"ServiceAccount(client_email={self.client_email!r})"
