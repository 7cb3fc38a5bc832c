//! OIDC identity tokens: where they come from and what is read from them.
//!
//! The token is not verified here (Fulcio verifies its signature, issuer and
//! audience); its claims are read to sign the proof of possession over
//! `sub`, to refuse an expired token before any service is contacted, and
//! to check that the certificate Fulcio issued names the token's identity.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use super::error;
use crate::Result;

/// Longest token accepted (real ones are a few kilobytes).
const MAX_TOKEN: usize = 64 * 1024;

/// A JWT identity token and the claims this client uses.
pub struct IdentityToken {
    raw: String,
    subject: String,
    expires: Option<i64>,
    claims: Value,
}

impl std::fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityToken")
            .field("subject", &self.subject)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl IdentityToken {
    /// Parses a compact JWT (`header.payload.signature`); surrounding
    /// whitespace (a token file's final newline) is dropped.
    ///
    /// # Errors
    /// [`crate::Error::Keyless`] when it is not a JWT with a JSON payload
    /// holding a `sub` string.
    pub fn parse(text: &str) -> Result<IdentityToken> {
        let raw = text.trim();
        if raw.len() > MAX_TOKEN {
            return Err(error(
                "identity token",
                format!("longer than {MAX_TOKEN} bytes"),
            ));
        }
        let mut parts = raw.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(error(
                "identity token",
                "not a JWT (expected three dot-separated parts)",
            ));
        };
        let payload = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|e| error("identity token", format!("payload is not base64url: {e}")))?;
        let claims: Value = serde_json::from_slice(&payload)
            .map_err(|e| error("identity token", format!("payload is not JSON: {e}")))?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| error("identity token", "no `sub` claim"))?
            .to_owned();
        let expires = claims.get("exp").and_then(Value::as_i64);
        Ok(IdentityToken {
            raw: raw.to_owned(),
            subject,
            expires,
            claims,
        })
    }

    /// Asks GitHub Actions for a token with audience `sigstore`
    /// (`ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`,
    /// set in jobs with `permissions: id-token: write`).
    ///
    /// # Errors
    /// [`crate::Error::Keyless`] when the request fails or the answer is
    /// not a token.
    pub fn from_github_actions(
        request_url: &str,
        request_token: &str,
        services: &super::Services,
    ) -> Result<IdentityToken> {
        IdentityToken::parse(&super::http::github_actions_token(
            request_url,
            request_token,
            services,
        )?)
    }

    /// The token as sent to Fulcio.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The `sub` claim (what the proof of possession signs).
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The token's claims (unverified: Fulcio verifies the token; the
    /// signer compares the certificate it issued with them).
    #[must_use]
    pub fn claims(&self) -> &Value {
        &self.claims
    }

    /// Refuses a token whose `exp` has passed.
    ///
    /// # Errors
    /// [`crate::Error::Keyless`] naming the expiry time.
    pub fn check_not_expired(&self) -> Result<()> {
        let Some(exp) = self.expires else {
            return Ok(());
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        if exp <= now {
            return Err(error(
                "identity token",
                format!("expired (`exp` claim {exp} is in the past); get a fresh token"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "eyJhbGciOiJFUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn reads_subject_and_refuses_expired_tokens() {
        let token = IdentityToken::parse(&format!("{}\n", jwt(r#"{"sub":"me","exp":4102444800}"#)))
            .unwrap();
        assert_eq!(token.subject(), "me");
        assert!(!token.as_str().ends_with('\n'));
        token.check_not_expired().unwrap();
        let expired = IdentityToken::parse(&jwt(r#"{"sub":"me","exp":1000}"#)).unwrap();
        let err = expired.check_not_expired().unwrap_err().to_string();
        assert_eq!(
            err,
            "identity token: expired (`exp` claim 1000 is in the past); get a fresh token"
        );
    }

    #[test]
    fn refuses_what_is_not_a_token() {
        for (text, message) in [
            ("abc", "not a JWT"),
            ("a.b.c.d", "not a JWT"),
            ("a.!!.c", "not base64url"),
            (&jwt("[]")[..], "no `sub` claim"),
            (&jwt(r#"{"sub":""}"#)[..], "no `sub` claim"),
        ] {
            let err = IdentityToken::parse(text).unwrap_err().to_string();
            assert!(err.contains(message), "{text}: {err}");
        }
    }
}
