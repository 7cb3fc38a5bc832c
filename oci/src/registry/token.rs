//! Authentication: anonymous first, then what a `401` challenge asks for,
//! basic credentials or a bearer token from the challenge's realm
//! (<https://distribution.github.io/distribution/spec/auth/token/>).
//! Credentials come from [`crate::auth::Keychain`]. Neither credentials nor
//! tokens ever reach a log line or a message.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::transport::{Answer, BodyError, Call, Failure, Transport};
use super::RegistryClient;
use crate::auth::Credentials;
use crate::referrers::query_escape;
use crate::Result;

/// Largest token answer read.
const MAX_TOKEN_ANSWER: u64 = 1024 * 1024;

/// What a request needs the credentials for: the token scope asked for,
/// and the verb of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Pull,
    Push,
}

impl Access {
    fn verb(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::Push => "push to",
        }
    }

    fn actions(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::Push => "pull,push",
        }
    }
}

/// What a client learnt about authenticating: the keychain's answer and
/// the `Authorization` value that last worked (or was issued).
#[derive(Debug, Default)]
pub(super) struct AuthState {
    /// `None` until first needed; then what the keychain found.
    credentials: Mutex<Option<Option<Credentials>>>,
    authorization: Mutex<Option<String>>,
}

/// A request for [`RegistryClient::send`].
pub(super) struct Request<'a> {
    pub(super) method: &'a str,
    pub(super) url: &'a str,
    pub(super) headers: &'a [(&'a str, &'a str)],
    pub(super) body: Option<&'a [u8]>,
    pub(super) access: Access,
    /// Blob bytes the request sends (its deadline grows with them).
    pub(super) blob_bytes: u64,
    /// A blob download (see [`Call::download`]).
    pub(super) download: bool,
}

impl RegistryClient {
    fn credentials(&self) -> Result<Option<Credentials>> {
        let mut cached = self
            .auth
            .credentials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = &*cached {
            return Ok(found.clone());
        }
        if self.options.keychain.registry_token().is_some() {
            // The token stands for the credentials.
            *cached = Some(None);
            return Ok(None);
        }
        let found = self.options.keychain.credentials(&self.registry)?;
        *cached = Some(found.clone());
        Ok(found)
    }

    fn authorization(&self) -> Option<String> {
        self.auth
            .authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_authorization(&self, value: String) {
        *self
            .auth
            .authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
    }

    fn unauthorized(&self, had_credentials: bool, access: Access) -> crate::Error {
        let hint = if self.options.keychain.registry_token().is_some() {
            format!(
                "the registry rejected the registry token given for {}",
                self.registry
            )
        } else if had_credentials {
            format!(
                "the registry rejected the credentials found for {}",
                self.registry
            )
        } else {
            format!(
                "none found for {0}; set SBOMCTL_REGISTRY_USERNAME and \
                 SBOMCTL_REGISTRY_PASSWORD or run `docker login {0}`",
                self.registry
            )
        };
        self.error(format!(
            "unauthorized to {} {} (check credentials: {hint})",
            access.verb(),
            self.repository
        ))
    }

    /// Sends a request (with retries, within its deadline), authenticating
    /// for `access` on a 401 challenge, once per request. A 401 or 403
    /// after that is an error naming the credentials; other failures go
    /// back to the caller. The `Authorization` header only goes to the
    /// registry's own origin, not to an upload `Location` elsewhere
    /// (storage redirects).
    pub(super) fn send(
        &self,
        request: &Request<'_>,
    ) -> Result<std::result::Result<Answer, Failure>> {
        let mut authenticated = false;
        loop {
            // On the base URL in use: the client may have switched scheme
            // since the URL was built (and during the last attempt).
            let url = self.transport.rebase(request.url);
            let same_origin = self.transport.own_origin(&url);
            let authorization = self.authorization().filter(|_| same_origin);
            let call = Call {
                method: request.method,
                url: &url,
                headers: request.headers,
                authorization: authorization.as_deref(),
                body: request.body,
                allowed: self.transport.allowance(request.blob_bytes),
                download: request.download,
            };
            match self.transport.send(&call) {
                Err(Failure::Status {
                    code: 401,
                    response,
                    ..
                }) if !authenticated && same_origin => {
                    authenticated = true;
                    self.authenticate(&response, request.access)?;
                }
                Err(Failure::Status {
                    code: 401 | 403, ..
                }) => {
                    let had_credentials = self.credentials()?.is_some();
                    return Err(self.unauthorized(had_credentials, request.access));
                }
                other => return Ok(other),
            }
        }
    }

    /// Answers a 401: gets a bearer token or sets basic credentials, per
    /// the `WWW-Authenticate` challenge.
    fn authenticate(&self, response: &ureq::Response, access: Access) -> Result<()> {
        let challenges: Vec<Challenge> = response
            .all("www-authenticate")
            .into_iter()
            .flat_map(parse_challenges)
            .collect();
        let bearer = challenges.iter().find(|c| c.scheme == "bearer");
        let basic = challenges.iter().find(|c| c.scheme == "basic");
        if let Some(token) = self.options.keychain.registry_token() {
            // cosign's `--registry-token` (go-containerregistry's
            // `authn.Bearer`): the token itself, whatever the challenge.
            self.set_authorization(format!("Bearer {token}"));
            return Ok(());
        }
        if let Some(challenge) = bearer {
            let token = self.fetch_token(challenge, access)?;
            self.set_authorization(format!("Bearer {token}"));
            return Ok(());
        }
        if basic.is_some() {
            return match self.credentials()? {
                Some(credentials) => {
                    self.set_authorization(credentials.basic_header());
                    Ok(())
                }
                None => Err(self.unauthorized(false, access)),
            };
        }
        let offered = challenges
            .iter()
            .map(|c| c.scheme.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Err(self.error(format!(
            "unauthorized to {} {} and the registry offers no supported auth scheme ({})",
            access.verb(),
            self.repository,
            if offered.is_empty() {
                "no WWW-Authenticate challenge"
            } else {
                &offered
            }
        )))
    }

    /// Gets a token from the challenge's realm, sending basic credentials
    /// when we have some (anonymous tokens are normal for public images).
    fn fetch_token(&self, challenge: &Challenge, access: Access) -> Result<String> {
        let Some(realm) = challenge.params.get("realm") else {
            return Err(self.error("bearer challenge without realm"));
        };
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(self.error("bearer challenge with an unusable realm"));
        }
        // Messages name the realm without its query or user info.
        let realm_name = Transport::redact(realm);
        let own_scope = format!("repository:{}:{}", self.repository, access.actions());
        let mut scopes: Vec<&str> = match challenge.params.get("scope") {
            Some(scope) if !scope.trim().is_empty() => scope.split_whitespace().collect(),
            _ => vec![own_scope.as_str()],
        };
        if access == Access::Push {
            // One token for the whole push: a challenge to a HEAD may ask
            // for pull only, and the upload would be challenged again.
            let ours = format!("repository:{}:", self.repository);
            scopes.retain(|s| !s.starts_with(&ours));
            scopes.push(&own_scope);
        }
        let mut query: Vec<String> = Vec::new();
        if let Some(service) = challenge.params.get("service") {
            query.push(format!("service={}", query_escape(service)));
        }
        query.extend(scopes.iter().map(|s| format!("scope={}", query_escape(s))));
        let url = if query.is_empty() {
            realm.clone()
        } else {
            let separator = if realm.contains('?') { '&' } else { '?' };
            format!("{realm}{separator}{}", query.join("&"))
        };
        let credentials = self.credentials()?;
        let basic = credentials.as_ref().map(Credentials::basic_header);
        let call = Call {
            method: "GET",
            url: &url,
            headers: &[],
            authorization: basic.as_deref(),
            body: None,
            allowed: self.transport.allowance(0),
            download: false,
        };
        let answer = match self.transport.send(&call) {
            Ok(answer) => answer,
            Err(Failure::Status {
                code: 401 | 403, ..
            }) => return Err(self.unauthorized(credentials.is_some(), access)),
            Err(failure) => {
                return Err(self.fail(&format!("getting a token from {realm_name}"), failure))
            }
        };
        let body = answer.read_all(MAX_TOKEN_ANSWER).map_err(|e| match e {
            BodyError::TimedOut { request, after } => self.timeout(request, after),
            BodyError::TooLarge(limit) => self.error(format!(
                "the token answer of {realm_name} is larger than {limit} bytes"
            )),
            BodyError::Io(e) => {
                self.error(format!("reading the token answer of {realm_name}: {e}"))
            }
        })?;
        let reply: TokenReply = serde_json::from_slice(&body)
            .map_err(|e| self.error(format!("unreadable token answer from {realm_name}: {e}")))?;
        reply
            .token
            .filter(|t| !t.is_empty())
            .or(reply.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| self.error(format!("token answer from {realm_name} holds no token")))
    }
}

#[derive(serde::Deserialize)]
struct TokenReply {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// One `WWW-Authenticate` challenge (RFC 7235): a scheme, lowercased, and
/// its parameters, with lowercased names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: BTreeMap<String, String>,
}

/// Parses a `WWW-Authenticate` value, which may hold several challenges
/// (`Basic realm="a", Bearer realm="b",service="c"`). Never fails; junk is
/// skipped.
pub(crate) fn parse_challenges(header: &str) -> Vec<Challenge> {
    let chars: Vec<char> = header.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let is_token = |c: char| !c.is_whitespace() && !matches!(c, ',' | '=' | '"');
    // Reads while `keep` holds; returns the text and the index after it.
    let read_while = |mut i: usize, keep: &dyn Fn(char) -> bool| {
        let mut text = String::new();
        while let Some(c) = at(i).filter(|&c| keep(c)) {
            text.push(c);
            i += 1;
        }
        (text, i)
    };
    let skip_separators = |i: usize| read_while(i, &|c| c.is_whitespace() || c == ',').1;
    let skip_ws = |i: usize| read_while(i, &char::is_whitespace).1;

    let mut challenges = Vec::new();
    let mut i = 0;
    loop {
        i = skip_separators(i);
        if i >= chars.len() {
            break;
        }
        let (scheme, next) = read_while(i, &is_token);
        if scheme.is_empty() {
            i += 1;
            continue;
        }
        i = next;
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: BTreeMap::new(),
        };
        loop {
            let key_start = skip_separators(i);
            let (key, after_key) = read_while(key_start, &is_token);
            let eq = skip_ws(after_key);
            if key.is_empty() || at(eq) != Some('=') {
                // Not a parameter: maybe the next challenge's scheme.
                i = key_start;
                break;
            }
            let mut j = skip_ws(eq + 1);
            let value = if at(j) == Some('"') {
                j += 1;
                let mut value = String::new();
                while let Some(c) = at(j) {
                    j += 1;
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = at(j) {
                                value.push(escaped);
                                j += 1;
                            }
                        }
                        c => value.push(c),
                    }
                }
                value
            } else {
                let (value, next) = read_while(j, &|c| c != ',' && !c.is_whitespace());
                j = next;
                value
            };
            challenge.params.insert(key.to_ascii_lowercase(), value);
            i = j;
        }
        challenges.push(challenge);
    }
    challenges
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn params(c: &Challenge) -> Vec<(&str, &str)> {
        c.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn parses_docker_hub_bearer_challenge() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(
            params(&c[0]),
            vec![
                ("realm", "https://auth.docker.io/token"),
                ("scope", "repository:library/alpine:pull"),
                ("service", "registry.docker.io"),
            ]
        );
    }

    #[test]
    fn parses_basic_and_several_challenges() {
        let c = parse_challenges(r#"Basic realm="Registry Realm""#);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(params(&c[0]), vec![("realm", "Registry Realm")]);

        let c = parse_challenges(
            r#"Basic realm="a, b", BEARER Realm=https://t.example/token , service="s\"q", error="invalid_token""#,
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(params(&c[0]), vec![("realm", "a, b")]);
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(
            params(&c[1]),
            vec![
                ("error", "invalid_token"),
                ("realm", "https://t.example/token"),
                ("service", "s\"q"),
            ]
        );
    }

    #[test]
    fn junk_challenges_do_not_panic() {
        for junk in [
            "",
            ",",
            "=",
            "\"",
            "Bearer",
            "Bearer realm",
            "Bearer realm=",
            "Bearer realm=\"",
            "Bearer realm=\"x\\",
            "==,,\"\" a=b",
            "Basic dXNlcjpwYXNz",
        ] {
            let _ = parse_challenges(junk);
        }
        let c = parse_challenges("Negotiate");
        assert_eq!(c[0].scheme, "negotiate");
        assert!(c[0].params.is_empty());
    }
}
