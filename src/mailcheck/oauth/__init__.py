"""OAuth2 for mailcheck's sign-in: the refresh-token grant and the device-code login.

* :func:`mailcheck.oauth.grant.access_token` — a stored refresh token in, an access token
  out (Google by a plain POST, Microsoft through MSAL);
* :mod:`mailcheck.oauth.device` — RFC 8628's device authorization grant, for
  ``mailcheck login``;
* :mod:`mailcheck.oauth.store` — the refresh token in a 0600 file under the config folder.

Nothing here imports click; no message quotes a token.
"""
