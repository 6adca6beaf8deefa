"""Google service-account authentication, shared by the Google Business Profile and Google Play sources.

A service account's JSON key (`GOOGLE_SERVICE_ACCOUNT_FILE`: `client_email`, `private_key`,
`private_key_id`, `token_uri`) signs an RS256 JWT assertion that the token endpoint (`GOOGLE_TOKEN_URL`,
default Google's) exchanges for an access token of one scope (RFC 7523, Google's "OAuth 2.0 for Server to
Server Applications"). `api.GoogleApi` carries that token on every call, refreshes it shortly before it
expires and once more when an API answers 401, and turns Google's error answers into `PlatformError`s
written for a person, never holding a token or the key.
"""

from socialdesk.sources.google_auth.account import DEFAULT_TOKEN_URL, ServiceAccount, ServiceAccountError
from socialdesk.sources.google_auth.api import GoogleApi, failure
from socialdesk.sources.google_auth.tokens import AccessTokens

__all__ = [
    "DEFAULT_TOKEN_URL",
    "AccessTokens",
    "GoogleApi",
    "ServiceAccount",
    "ServiceAccountError",
    "failure",
]
