//! Where the password of a `cosign.key` comes from, in cosign's order:
//!
//! 1. `SBOMCTL_PASSWORD`, else `COSIGN_PASSWORD`, when set (an empty value
//!    is an empty password, as in cosign);
//! 2. a prompt on the terminal with echo off, when stdin is a terminal
//!    (asked twice when creating a key; both must match);
//! 3. otherwise one line of stdin, without its line ending.
//!
//! cosign reads *all* of a piped stdin, newline included, so a key made with
//! `echo pw | cosign generate-key-pair` has the password `pw\n`: give that
//! one through `COSIGN_PASSWORD`.

use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal as _};

use zeroize::Zeroizing;

use crate::{Error, Result};

/// The environment variables read, first match wins.
pub const ENV_VARS: [&str; 2] = ["SBOMCTL_PASSWORD", "COSIGN_PASSWORD"];

/// What the password is for; creating a key asks twice on a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Opening an existing key.
    Unlock,
    /// Encrypting a new key.
    Create,
}

/// Asks on the terminal with this prompt and returns the answer.
pub type Prompt<'a> = &'a mut dyn FnMut(&str) -> io::Result<String>;

/// The places a password can come from; [`read_password`] fills them from
/// the process, tests give their own.
pub struct Sources<'a> {
    /// Looks up an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<OsString>,
    /// The terminal prompt, `None` when there is no terminal.
    pub prompt: Option<Prompt<'a>>,
    /// Standard input, read when there is neither variable nor terminal.
    pub stdin: &'a mut dyn BufRead,
}

fn io_error(what: &str, source: io::Error) -> Error {
    Error::Password {
        message: what.to_owned(),
        source: Some(source),
    }
}

/// Reads the password from the environment, the terminal (echo off, via
/// `/dev/tty`) or stdin. See the [module docs](self) for the order.
pub fn read_password(purpose: Purpose) -> Result<Zeroizing<Vec<u8>>> {
    let env = |name: &str| std::env::var_os(name);
    let mut tty = |prompt: &str| rpassword::prompt_password(prompt);
    let stdin = io::stdin();
    let is_terminal = stdin.is_terminal();
    let mut stdin = stdin.lock();
    read_password_from(
        Sources {
            env: &env,
            prompt: if is_terminal { Some(&mut tty) } else { None },
            stdin: &mut stdin,
        },
        purpose,
    )
}

/// [`read_password`] with the sources given.
pub fn read_password_from(sources: Sources<'_>, purpose: Purpose) -> Result<Zeroizing<Vec<u8>>> {
    for name in ENV_VARS {
        if let Some(value) = (sources.env)(name) {
            return Ok(Zeroizing::new(value.into_encoded_bytes()));
        }
    }
    if let Some(prompt) = sources.prompt {
        let mut first = Zeroizing::new(
            prompt("Enter password for private key: ").map_err(|err| io_error("terminal", err))?,
        );
        if purpose == Purpose::Create {
            let again = Zeroizing::new(
                prompt("Enter password for private key again: ")
                    .map_err(|err| io_error("terminal", err))?,
            );
            if *first != *again {
                return Err(Error::Password {
                    message: "passwords do not match".to_owned(),
                    source: None,
                });
            }
        }
        return Ok(Zeroizing::new(std::mem::take(&mut *first).into_bytes()));
    }
    let mut line = Zeroizing::new(Vec::new());
    sources
        .stdin
        .read_until(b'\n', &mut line)
        .map_err(|err| io_error("stdin", err))?;
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn read(
        vars: &'static [(&'static str, &'static str)],
        answers: Option<&[&str]>,
        stdin: &str,
        purpose: Purpose,
    ) -> (Result<Zeroizing<Vec<u8>>>, Vec<String>) {
        let env = env_of(vars);
        let mut asked = Vec::new();
        let has_tty = answers.is_some();
        let mut answers = answers.map(|a| a.iter().map(ToString::to_string).collect::<Vec<_>>());
        let mut prompt = |p: &str| {
            asked.push(p.to_owned());
            Ok(answers.as_mut().unwrap().remove(0))
        };
        let mut stdin = stdin.as_bytes();
        let result = read_password_from(
            Sources {
                env: &env,
                prompt: if has_tty { Some(&mut prompt) } else { None },
                stdin: &mut stdin,
            },
            purpose,
        );
        (result, asked)
    }

    #[test]
    fn sbomctl_variable_wins_over_cosign_variable() {
        let vars = &[("COSIGN_PASSWORD", "c"), ("SBOMCTL_PASSWORD", "s")];
        let (pw, asked) = read(vars, Some(&["t"]), "i\n", Purpose::Unlock);
        assert_eq!(*pw.unwrap(), b"s");
        assert!(asked.is_empty());
    }

    #[test]
    fn empty_cosign_password_is_an_empty_password() {
        let (pw, _) = read(
            &[("COSIGN_PASSWORD", "")],
            Some(&["t"]),
            "i\n",
            Purpose::Create,
        );
        assert_eq!(*pw.unwrap(), b"");
    }

    #[test]
    fn terminal_asks_twice_when_creating() {
        let (pw, asked) = read(&[], Some(&["a", "a"]), "", Purpose::Create);
        assert_eq!(*pw.unwrap(), b"a");
        assert_eq!(asked.len(), 2);
        let (pw, asked) = read(&[], Some(&["a"]), "", Purpose::Unlock);
        assert_eq!(*pw.unwrap(), b"a");
        assert_eq!(asked, ["Enter password for private key: "]);
    }

    #[test]
    fn terminal_entries_that_differ_are_an_error() {
        let (pw, _) = read(&[], Some(&["a", "b"]), "", Purpose::Create);
        assert_eq!(
            pw.unwrap_err().to_string(),
            "reading the password: passwords do not match"
        );
    }

    #[test]
    fn stdin_gives_one_line_without_its_ending() {
        let (pw, _) = read(&[], None, "secret\r\nnext\n", Purpose::Create);
        assert_eq!(*pw.unwrap(), b"secret");
        let (pw, _) = read(&[], None, "no newline", Purpose::Unlock);
        assert_eq!(*pw.unwrap(), b"no newline");
        let (pw, _) = read(&[], None, "", Purpose::Unlock);
        assert_eq!(*pw.unwrap(), b"");
    }
}
