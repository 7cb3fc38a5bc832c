//! Installed gemspecs (`specifications/NAME-VERSION.gemspec`): Ruby source
//! that RubyGems writes with `Gem::Specification#to_ruby`. Nothing is
//! evaluated: a small lexer reads the Ruby subset those files use (string
//! literals in every quoting RubyGems and hand-written specs use, `%q{}`,
//! `%w[]`, heredocs, `.freeze`, arrays and hashes of strings) and the
//! statements that matter are picked out:
//!
//! ```ruby
//! Gem::Specification.new do |s|
//!   s.name = "rack".freeze
//!   s.version = "2.2.4"
//!   s.licenses = ["MIT".freeze]
//!   s.add_runtime_dependency(%q<rack>.freeze, ["~> 2.2"])
//! end
//! ```
//!
//! RubyGems before 3.1 wrapped the dependencies in
//! `if s.respond_to? :add_runtime_dependency then … else … end`, repeating
//! them in the `else` branch with development dependencies as plain
//! `add_dependency`: that branch is skipped.
//!
//! Bounded: the file size, the nesting of brackets and blocks, and the
//! length of one statement are capped; everything else is one linear pass.

use std::collections::BTreeMap;

/// Largest gemspec read (RubyGems' own are a few KiB; the largest default
/// gem spec, bundler's, is 12 KiB).
pub(super) const MAX_GEMSPEC_SIZE: usize = 4 * 1024 * 1024;
/// Deepest nesting of brackets and blocks followed.
const MAX_DEPTH: usize = 64;
/// Most tokens one statement may hold (a `files` list of 100,000 entries).
const MAX_STATEMENT_TOKENS: usize = 200_000;
/// Most `metadata` entries kept.
const MAX_METADATA: usize = 64;

/// What a gemspec says about its gem.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Gemspec {
    pub name: Option<String>,
    pub version: Option<String>,
    /// `licenses` or `license`, in order.
    pub licenses: Vec<String>,
    /// `authors` or `author`.
    pub authors: Vec<String>,
    pub email: Vec<String>,
    pub homepage: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// `platform` when not `ruby`.
    pub platform: Option<String>,
    /// `metadata` (`source_code_uri`, `changelog_uri`, …).
    pub metadata: BTreeMap<String, String>,
    /// Names of runtime dependencies, in order, without duplicates.
    pub dependencies: Vec<String>,
}

/// Parses a gemspec. `Err` says why nothing could be read (too large, an
/// unterminated literal, no name or version).
pub(super) fn parse(text: &str) -> Result<Gemspec, String> {
    if text.len() > MAX_GEMSPEC_SIZE {
        return Err(format!(
            "gemspec is {} bytes, more than the {} MiB read",
            text.len(),
            MAX_GEMSPEC_SIZE >> 20
        ));
    }
    let mut lexer = Lexer::new(text);
    let mut reader = SpecReader::default();
    let mut statement: Vec<Tok> = Vec::new();
    let mut stack: Vec<Bracket> = Vec::new();
    loop {
        let tok = lexer.next(&statement)?;
        let Some(tok) = tok else {
            reader.statement(&statement);
            break;
        };
        match &tok {
            Tok::Newline | Tok::Punct(';') => {
                let open = stack.last().is_some_and(|b| *b != Bracket::Block);
                if !open && !continues(&statement) {
                    reader.statement(&statement);
                    statement.clear();
                }
                continue;
            }
            Tok::Punct(c @ ('(' | '[' | '{')) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "brackets nested deeper than {MAX_DEPTH} on line {}",
                        lexer.line
                    ));
                }
                let kind = match c {
                    '(' => Bracket::Paren,
                    '[' => Bracket::Square,
                    _ if is_block_brace(&statement) => Bracket::Block,
                    _ => Bracket::Hash,
                };
                stack.push(kind);
            }
            Tok::Punct(')' | ']' | '}') => {
                stack.pop();
            }
            _ => {}
        }
        if statement.len() >= MAX_STATEMENT_TOKENS {
            return Err(format!(
                "a statement ending on line {} has more than {MAX_STATEMENT_TOKENS} tokens",
                lexer.line
            ));
        }
        statement.push(tok);
    }
    let spec = reader.spec;
    match (&spec.name, &spec.version) {
        (Some(_), Some(_)) => Ok(spec),
        (None, _) => Err("gemspec sets no name".to_owned()),
        (_, None) => Err("gemspec sets no version".to_owned()),
    }
}

/// An open bracket, for telling statement ends from line breaks inside an
/// expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bracket {
    Paren,
    Square,
    Hash,
    /// `{ |x| … }`: its body holds statements.
    Block,
}

/// A `{` after a method name or a closing parenthesis opens a block, not a
/// hash.
fn is_block_brace(statement: &[Tok]) -> bool {
    matches!(statement.last(), Some(Tok::Ident(_) | Tok::Punct(')')))
        && !matches!(statement.last(), Some(Tok::Ident(k)) if k == "return")
}

/// A line ending in a comma, a dot, an operator or an opening bracket goes
/// on on the next line.
fn continues(statement: &[Tok]) -> bool {
    matches!(
        statement.last(),
        Some(Tok::Punct(',' | '.' | '=' | '(' | '[' | '{') | Tok::Arrow | Tok::Op | Tok::Scope)
    )
}

/// A token of the Ruby subset.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A string literal without interpolation, unescaped.
    Str(String),
    /// A string whose value is only known at run time (backticks, regular
    /// expressions).
    Dynamic,
    /// A string with interpolations: literal text and the code inside
    /// each `#{…}`, trimmed.
    Interp(Vec<Part>),
    /// `%w[…]` / `%i[…]`: a literal array of words.
    Words(Vec<String>),
    /// Identifiers, keywords, constants, `@ivar`, `$gvar`.
    Ident(String),
    /// `:name`, `:"name"`, `:name=`.
    Sym(String),
    Num,
    /// `=>`.
    Arrow,
    /// `::`.
    Scope,
    /// Any other operator of two or more characters (`==`, `||`, `<<`, …).
    Op,
    Punct(char),
    Newline,
}

/// A piece of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Code(String),
}

/// Reads tokens from the text, tracking the line for messages.
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    /// Where to continue after the next newline when heredoc bodies start
    /// there.
    after_heredocs: Option<usize>,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            line: 1,
            after_heredocs: None,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes().get(self.pos.saturating_add(ahead)).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
        }
        Some(b)
    }

    fn at_line_start(&self) -> bool {
        self.pos == 0 || self.bytes().get(self.pos.wrapping_sub(1)) == Some(&b'\n')
    }

    /// The next token; `prev` is the statement so far (to tell a regular
    /// expression or `%` literal from an operator). `None` at the end.
    fn next(&mut self, prev: &[Tok]) -> Result<Option<Tok>, String> {
        loop {
            let Some(b) = self.peek() else {
                return Ok(None);
            };
            if self.at_line_start() {
                let rest = self.text.get(self.pos..).unwrap_or("");
                if rest.starts_with("__END__") {
                    return Ok(None);
                }
                if rest.starts_with("=begin") {
                    self.skip_embedded_doc()?;
                    continue;
                }
            }
            match b {
                b' ' | b'\t' | b'\r' => {
                    self.bump();
                }
                b'\\' if matches!(self.peek_at(1), Some(b'\n')) => {
                    self.bump();
                    self.bump();
                }
                b'#' => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.bump();
                    }
                }
                b'\n' => {
                    self.bump();
                    if let Some(after) = self.after_heredocs.take() {
                        self.advance_to(after);
                    }
                    return Ok(Some(Tok::Newline));
                }
                _ => return self.token(b, prev).map(Some),
            }
        }
    }

    /// Moves to `pos`, counting the lines passed.
    fn advance_to(&mut self, pos: usize) {
        while self.pos < pos && self.bump().is_some() {}
    }

    fn skip_embedded_doc(&mut self) -> Result<(), String> {
        let start = self.line;
        loop {
            while self.peek().is_some_and(|c| c != b'\n') {
                self.bump();
            }
            if self.bump().is_none() {
                return Err(format!("unterminated =begin on line {start}"));
            }
            let rest = self.text.get(self.pos..).unwrap_or("");
            if rest.starts_with("=end") {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.bump();
                }
                return Ok(());
            }
        }
    }

    fn token(&mut self, b: u8, prev: &[Tok]) -> Result<Tok, String> {
        let value_before = matches!(
            prev.last(),
            Some(
                Tok::Ident(_)
                    | Tok::Str(_)
                    | Tok::Dynamic
                    | Tok::Interp(_)
                    | Tok::Num
                    | Tok::Words(_)
            ) | Some(Tok::Punct(')' | ']' | '}'))
        ) && !matches!(prev.last(), Some(Tok::Ident(k)) if is_keyword(k));
        match b {
            b'"' => {
                self.bump();
                self.quoted(b'"', None, true)
            }
            b'\'' => {
                self.bump();
                self.quoted(b'\'', None, false)
            }
            b'`' => {
                self.bump();
                self.quoted(b'`', None, true)?;
                Ok(Tok::Dynamic)
            }
            b'%' if !value_before || self.percent_kind().is_some_and(|(k, _)| k != 0) => {
                match self.percent_kind() {
                    Some((kind, len)) => {
                        for _ in 0..len {
                            self.bump();
                        }
                        self.percent(kind)
                    }
                    None => {
                        self.bump();
                        Ok(self.operator(b'%'))
                    }
                }
            }
            b'/' if !value_before && !matches!(self.peek_at(1), Some(b' ' | b'=')) => {
                self.bump();
                self.quoted(b'/', None, true)?;
                self.skip_while(|c| c.is_ascii_alphabetic());
                Ok(Tok::Dynamic)
            }
            b'<' if self.heredoc_start().is_some() => self.heredoc(),
            b':' => {
                self.bump();
                match self.peek() {
                    Some(b':') => {
                        self.bump();
                        Ok(Tok::Scope)
                    }
                    Some(b'"') => {
                        self.bump();
                        match self.quoted(b'"', None, true)? {
                            Tok::Str(s) => Ok(Tok::Sym(s)),
                            _ => Ok(Tok::Dynamic),
                        }
                    }
                    Some(c) if is_ident_start(c) => {
                        let mut name = self.ident();
                        if self.peek() == Some(b'=')
                            && !matches!(self.peek_at(1), Some(b'=' | b'>' | b'~'))
                        {
                            self.bump();
                            name.push('=');
                        }
                        Ok(Tok::Sym(name))
                    }
                    _ => Ok(Tok::Punct(':')),
                }
            }
            b'?' if self.peek_at(1).is_some_and(|c| c.is_ascii_graphic())
                && !self.peek_at(2).is_some_and(is_ident_char)
                && !value_before =>
            {
                // A character literal (`?a`).
                self.bump();
                if self.bump() == Some(b'\\') {
                    self.bump();
                }
                Ok(Tok::Str(String::new()))
            }
            b'@' | b'$' => {
                self.bump();
                while matches!(self.peek(), Some(b'@')) {
                    self.bump();
                }
                let name = self.ident();
                Ok(Tok::Ident(name))
            }
            c if c.is_ascii_digit() => {
                self.skip_while(|c| c.is_ascii_alphanumeric() || c == b'_');
                if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
                {
                    self.bump();
                    self.skip_while(|c| c.is_ascii_alphanumeric() || c == b'_');
                }
                Ok(Tok::Num)
            }
            c if is_ident_start(c) => {
                let mut name = self.ident();
                if matches!(self.peek(), Some(b'?' | b'!'))
                    && self.peek_at(1) != Some(b'=')
                    && self.peek_at(1) != Some(b':')
                {
                    if let Some(c) = self.bump() {
                        name.push(char::from(c));
                    }
                }
                Ok(Tok::Ident(name))
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b';' | b'.' | b'|' | b'=' => {
                self.bump();
                match (b, self.peek()) {
                    (b'=', Some(b'>')) => {
                        self.bump();
                        Ok(Tok::Arrow)
                    }
                    (b'=', Some(b'=' | b'~')) | (b'|', Some(b'|' | b'=')) => {
                        self.bump();
                        self.skip_while(|c| c == b'=');
                        Ok(Tok::Op)
                    }
                    (b'.', Some(b'.')) => {
                        self.skip_while(|c| c == b'.');
                        Ok(Tok::Op)
                    }
                    _ => Ok(Tok::Punct(char::from(b))),
                }
            }
            _ => {
                self.bump();
                Ok(self.operator(b))
            }
        }
    }

    /// The rest of an operator starting with `first` (already consumed).
    fn operator(&mut self, first: u8) -> Tok {
        let mut len = 1;
        while self
            .peek()
            .is_some_and(|c| b"=<>&|*+-!~^%".contains(&c) && !(first == b'-' && c == b'>'))
        {
            self.bump();
            len += 1;
        }
        if len == 1 {
            Tok::Punct(char::from(first))
        } else {
            Tok::Op
        }
    }

    fn skip_while(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        self.skip_while(is_ident_char);
        self.text.get(start..self.pos).unwrap_or("").to_owned()
    }

    /// After a `%`: the literal's kind letter (0 for none) and how many
    /// bytes the `%`, the letter and the delimiter take, when a literal
    /// starts here.
    fn percent_kind(&self) -> Option<(u8, usize)> {
        let next = self.peek_at(1)?;
        if b"qQwWiIrsx".contains(&next) {
            let delim = self.peek_at(2)?;
            if is_delimiter(delim) {
                return Some((next, 3));
            }
            return None;
        }
        matches!(next, b'(' | b'[' | b'{' | b'<' | b'|' | b'!' | b'/' | b'^').then_some((0, 2))
    }

    /// A `%` literal whose opening delimiter was just consumed.
    fn percent(&mut self, kind: u8) -> Result<Tok, String> {
        let open = self
            .bytes()
            .get(self.pos.wrapping_sub(1))
            .copied()
            .unwrap_or(b'(');
        let close = match open {
            b'(' => b')',
            b'[' => b']',
            b'{' => b'}',
            b'<' => b'>',
            c => c,
        };
        let nest = (close != open).then_some(open);
        match kind {
            b'q' => self.quoted(close, nest, false),
            b'Q' | 0 => self.quoted(close, nest, true),
            b'w' | b'W' | b'i' | b'I' => {
                let tok = self.quoted(close, nest, kind == b'W' || kind == b'I')?;
                match tok {
                    Tok::Str(s) if kind == b'w' || kind == b'W' => Ok(Tok::Words(
                        s.split_ascii_whitespace().map(str::to_owned).collect(),
                    )),
                    _ => Ok(Tok::Dynamic),
                }
            }
            b'r' => {
                self.quoted(close, nest, true)?;
                self.skip_while(|c| c.is_ascii_alphabetic());
                Ok(Tok::Dynamic)
            }
            b's' => match self.quoted(close, nest, false)? {
                Tok::Str(s) => Ok(Tok::Sym(s)),
                _ => Ok(Tok::Dynamic),
            },
            _ => {
                self.quoted(close, nest, true)?;
                Ok(Tok::Dynamic)
            }
        }
    }

    /// A string literal whose opening delimiter was consumed, up to the
    /// unescaped `close` (nesting `open`/`close` pairs when `nest` is the
    /// opening bracket). `double` selects double-quote escapes and
    /// interpolation.
    fn quoted(&mut self, close: u8, nest: Option<u8>, double: bool) -> Result<Tok, String> {
        let start_line = self.line;
        let mut out: Vec<u8> = Vec::new();
        let mut depth = 0usize;
        let mut parts: Vec<Part> = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(format!("unterminated string starting on line {start_line}"));
            };
            if Some(c) == nest {
                depth = depth.saturating_add(1);
                out.push(c);
            } else if c == close {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                out.push(c);
            } else if c == b'\\' {
                let Some(e) = self.bump() else {
                    return Err(format!("unterminated string starting on line {start_line}"));
                };
                if double {
                    self.escape(e, &mut out);
                } else if e == close || Some(e) == nest || e == b'\\' {
                    out.push(e);
                } else {
                    out.push(b'\\');
                    out.push(e);
                }
            } else if double && c == b'#' && self.peek() == Some(b'{') {
                self.bump();
                let code_start = self.pos;
                self.interpolation(start_line)?;
                let code = self
                    .text
                    .get(code_start..self.pos.saturating_sub(1))
                    .unwrap_or("");
                parts.push(Part::Text(String::from_utf8_lossy(&out).into_owned()));
                parts.push(Part::Code(code.trim().to_owned()));
                out.clear();
            } else {
                out.push(c);
            }
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        if parts.is_empty() {
            return Ok(Tok::Str(text));
        }
        parts.push(Part::Text(text));
        Ok(Tok::Interp(parts))
    }

    /// Skips `#{…}` (the `#{` consumed), strings inside included.
    fn interpolation(&mut self, start_line: usize) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            let Some(c) = self.bump() else {
                return Err(format!("unterminated string starting on line {start_line}"));
            };
            match c {
                b'{' => {
                    depth = depth.saturating_add(1);
                    if depth > MAX_DEPTH {
                        return Err(format!(
                            "interpolation nested deeper than {MAX_DEPTH} on line {}",
                            self.line
                        ));
                    }
                }
                b'}' if depth == 0 => return Ok(()),
                b'}' => depth -= 1,
                b'"' | b'\'' => {
                    self.skip_simple_string(c, start_line)?;
                }
                b'\\' => {
                    self.bump();
                }
                _ => {}
            }
        }
    }

    /// Skips a string inside an interpolation up to the unescaped `quote`.
    fn skip_simple_string(&mut self, quote: u8, start_line: usize) -> Result<(), String> {
        loop {
            match self.bump() {
                None => return Err(format!("unterminated string starting on line {start_line}")),
                Some(b'\\') => {
                    self.bump();
                }
                Some(c) if c == quote => return Ok(()),
                Some(_) => {}
            }
        }
    }

    /// Appends the value of the double-quote escape `\e` (`e` consumed).
    fn escape(&mut self, e: u8, out: &mut Vec<u8>) {
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b's' => out.push(b' '),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            self.bump();
                            v = v * 8 + u32::from(d - b'0');
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(v & 0xff).unwrap_or(0));
            }
            b'e' => out.push(0x1b),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match self.peek().and_then(|c| char::from(c).to_digit(16)) {
                        Some(d) => {
                            self.bump();
                            v = v * 16 + d;
                            n += 1;
                        }
                        None => break,
                    }
                }
                out.push(u8::try_from(v).unwrap_or(0));
            }
            b'u' => {
                if self.peek() == Some(b'{') {
                    self.bump();
                    loop {
                        self.skip_while(|c| c == b' ');
                        let digits = self.take_hex(6);
                        if digits.is_empty() {
                            break;
                        }
                        push_code_point(&digits, out);
                    }
                    if self.peek() == Some(b'}') {
                        self.bump();
                    }
                } else {
                    let digits = self.take_hex(4);
                    push_code_point(&digits, out);
                }
            }
            b'\n' => {}
            other => out.push(other),
        }
    }

    fn take_hex(&mut self, max: usize) -> String {
        let start = self.pos;
        let mut n = 0;
        while n < max && self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.bump();
            n += 1;
        }
        self.text.get(start..self.pos).unwrap_or("").to_owned()
    }

    /// `<<~ID`, `<<-ID`, `<<ID`, `<<~'ID'`, `<<~"ID"`: the terminator, the
    /// bytes the opener takes and whether the body is indented (`~`).
    fn heredoc_start(&self) -> Option<(String, usize, bool)> {
        let rest = self.text.get(self.pos..)?;
        let body = rest.strip_prefix("<<")?;
        let (squiggly, dash, body) = match body.as_bytes().first() {
            Some(b'~') => (true, false, body.get(1..)?),
            Some(b'-') => (false, true, body.get(1..)?),
            _ => (false, false, body),
        };
        let (id, quoted_len) = match body.as_bytes().first() {
            Some(q @ (b'\'' | b'"' | b'`')) => {
                let inner = body.get(1..)?;
                let end = inner.find(char::from(*q))?;
                let id = inner.get(..end)?;
                if id.is_empty() || id.contains('\n') {
                    return None;
                }
                (id, end + 2)
            }
            Some(c)
                if c.is_ascii_uppercase()
                    || *c == b'_'
                    || ((squiggly || dash) && is_ident_start(*c)) =>
            {
                let end = body
                    .bytes()
                    .position(|c| !is_ident_char(c))
                    .unwrap_or(body.len());
                (body.get(..end)?, end)
            }
            _ => return None,
        };
        let len = 2 + usize::from(squiggly || dash) + quoted_len;
        Some((id.to_owned(), len, squiggly))
    }

    /// A heredoc: its body starts after the current line (or after the
    /// bodies of earlier heredocs opened on this line).
    fn heredoc(&mut self) -> Result<Tok, String> {
        let Some((id, len, squiggly)) = self.heredoc_start() else {
            return Ok(Tok::Op);
        };
        let start_line = self.line;
        for _ in 0..len {
            self.bump();
        }
        let body_start = match self.after_heredocs {
            Some(p) => p,
            None => {
                let rest = self.text.get(self.pos..).unwrap_or("");
                match rest.find('\n') {
                    Some(i) => self.pos + i + 1,
                    None => return Err(format!("unterminated heredoc on line {start_line}")),
                }
            }
        };
        let mut lines = Vec::new();
        let mut at = body_start;
        loop {
            let rest = self.text.get(at..).unwrap_or("");
            if rest.is_empty() {
                return Err(format!("unterminated heredoc on line {start_line}"));
            }
            let (line, next) = match rest.find('\n') {
                Some(i) => (rest.get(..i).unwrap_or(""), at + i + 1),
                None => (rest, at + rest.len()),
            };
            at = next;
            if line.trim_end_matches('\r').trim_start() == id {
                break;
            }
            lines.push(line);
        }
        self.after_heredocs = Some(at);
        let indent = if squiggly {
            lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
                .min()
                .unwrap_or(0)
        } else {
            0
        };
        let mut out = String::new();
        for line in lines {
            out.push_str(line.get(indent..).unwrap_or_else(|| line.trim_start()));
            out.push('\n');
        }
        Ok(Tok::Str(out))
    }
}

fn push_code_point(hex: &str, out: &mut Vec<u8>) {
    let c = u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_delimiter(c: u8) -> bool {
    c.is_ascii_punctuation() && c != b'_'
}

fn is_keyword(k: &str) -> bool {
    matches!(
        k,
        "if" | "unless"
            | "elsif"
            | "while"
            | "until"
            | "when"
            | "and"
            | "or"
            | "not"
            | "return"
            | "then"
            | "do"
            | "else"
            | "in"
    )
}

/// A value on the right of `=` or as an argument.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Interp(Vec<Part>),
    List(Vec<String>),
    Hash(Vec<(String, String)>),
    Other,
}

/// An open `if`/`do`/… in the statement stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `if s.respond_to? :add_runtime_dependency`: its `else` repeats the
    /// dependencies for old RubyGems.
    DependencyIf,
    /// The `else` branch of a [`Frame::DependencyIf`]: skipped.
    Skipped,
    Other,
}

/// Applies statements to a [`Gemspec`].
#[derive(Default)]
struct SpecReader {
    spec: Gemspec,
    /// The block variable of `Gem::Specification.new do |s|`.
    var: Option<String>,
    frames: Vec<Frame>,
}

impl SpecReader {
    fn statement(&mut self, toks: &[Tok]) {
        let Some(first) = toks.first() else { return };
        let first_ident = match first {
            Tok::Ident(s) => s.as_str(),
            _ => "",
        };
        match first_ident {
            "end" => {
                self.frames.pop();
                return;
            }
            "else" | "elsif" => {
                if let Some(top) = self.frames.last_mut() {
                    if *top == Frame::DependencyIf {
                        *top = Frame::Skipped;
                    }
                }
                return;
            }
            "if" | "unless" | "while" | "until" | "case" | "begin" | "def" | "class" | "module"
            | "for" => {
                let one_line = matches!(toks.last(), Some(Tok::Ident(k)) if k == "end");
                if !one_line && self.frames.len() < MAX_DEPTH {
                    let deps = first_ident == "if"
                        && toks
                            .iter()
                            .any(|t| matches!(t, Tok::Sym(s) if s == "add_runtime_dependency"));
                    self.frames.push(if deps {
                        Frame::DependencyIf
                    } else {
                        Frame::Other
                    });
                }
                return;
            }
            _ => {}
        }
        if self.var.is_none() {
            self.block_variable(toks);
        }
        let opens_do = toks.iter().any(|t| matches!(t, Tok::Ident(k) if k == "do"));
        if opens_do {
            let closed = matches!(toks.last(), Some(Tok::Ident(k)) if k == "end");
            if !closed && self.frames.len() < MAX_DEPTH {
                self.frames.push(Frame::Other);
            }
            return;
        }
        if self.frames.contains(&Frame::Skipped) {
            return;
        }
        self.call(toks);
    }

    /// Records `s` from `Gem::Specification.new do |s|` (or `{ |s|`).
    fn block_variable(&mut self, toks: &[Tok]) {
        let opens = |t: &Tok| match t {
            Tok::Punct('{') => true,
            Tok::Ident(k) => k == "do",
            _ => false,
        };
        let opener = toks
            .windows(3)
            .position(|w| matches!(w, [a, Tok::Punct('|'), Tok::Ident(_)] if opens(a)));
        let Some(at) = opener else { return };
        if !is_spec_new(toks.get(..at).unwrap_or(&[])) {
            return;
        }
        if let Some(Tok::Ident(v)) = toks.get(at + 2) {
            self.var = Some(v.clone());
        }
    }

    /// `var.attr = value` or `var.add_*dependency(name, …)`.
    fn call(&mut self, toks: &[Tok]) {
        let (Some(Tok::Ident(recv)), Some(Tok::Punct('.')), Some(Tok::Ident(method))) =
            (toks.first(), toks.get(1), toks.get(2))
        else {
            return;
        };
        if self.var.as_ref().is_some_and(|v| v != recv) {
            return;
        }
        let rest = toks.get(3..).unwrap_or(&[]);
        match method.as_str() {
            "add_runtime_dependency" | "add_dependency" => {
                let args = match rest.first() {
                    Some(Tok::Punct('(')) => rest.get(1..).unwrap_or(&[]),
                    _ => rest,
                };
                if let Value::Str(name) = value(args).0 {
                    if !name.is_empty() && !self.spec.dependencies.contains(&name) {
                        self.spec.dependencies.push(name);
                    }
                }
            }
            _ => {
                let Some(Tok::Punct('=')) = rest.first() else {
                    return;
                };
                let v = value(rest.get(1..).unwrap_or(&[])).0;
                self.assign(method, v);
            }
        }
    }

    fn assign(&mut self, attr: &str, v: Value) {
        let v = match v {
            Value::Interp(parts) => self.interpolate(&parts).map_or(Value::Other, Value::Str),
            v => v,
        };
        let spec = &mut self.spec;
        match (attr, v) {
            ("name", Value::Str(s)) => spec.name = Some(s),
            ("version", Value::Str(s)) => spec.version = Some(s),
            ("licenses", v) | ("license", v) => spec.licenses = strings(v),
            ("authors", v) | ("author", v) => spec.authors = strings(v),
            ("email", v) => spec.email = strings(v),
            ("homepage", Value::Str(s)) => spec.homepage = Some(s),
            ("summary", Value::Str(s)) => spec.summary = Some(s),
            ("description", Value::Str(s)) => spec.description = Some(s),
            ("platform", Value::Str(s)) => {
                spec.platform = (s != "ruby" && !s.is_empty()).then_some(s);
            }
            ("metadata", Value::Hash(pairs)) => {
                spec.metadata = pairs.into_iter().take(MAX_METADATA).collect();
            }
            _ => {}
        }
    }
}

impl SpecReader {
    /// The value of an interpolated string whose code only names the
    /// spec's own `name` or `version` (`"https://github.com/x/#{s.name}"`),
    /// as set so far; `None` for any other code.
    fn interpolate(&self, parts: &[Part]) -> Option<String> {
        let var = self.var.as_deref()?;
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Code(code) => {
                    let (recv, attr) = code.split_once('.')?;
                    if recv != var {
                        return None;
                    }
                    let value = match attr {
                        "name" => self.spec.name.as_deref()?,
                        "version" => self.spec.version.as_deref()?,
                        _ => return None,
                    };
                    out.push_str(value);
                }
            }
        }
        Some(out)
    }
}

/// The statement prefix before `do` is `Gem::Specification.new` (with or
/// without arguments).
fn is_spec_new(toks: &[Tok]) -> bool {
    toks.windows(3).any(|w| {
        matches!(w, [Tok::Ident(a), Tok::Punct('.'), Tok::Ident(b)] if a == "Specification" && b == "new")
    })
}

fn strings(v: Value) -> Vec<String> {
    match v {
        Value::Str(s) => vec![s],
        Value::List(l) => l,
        _ => Vec::new(),
    }
}

/// Methods that leave a string's value as it is.
fn is_identity_method(m: &str) -> bool {
    matches!(m, "freeze" | "dup" | "to_s" | "strip" | "-@")
}

/// Reads a value at the start of `toks`; returns it and the tokens after.
fn value(toks: &[Tok]) -> (Value, &[Tok]) {
    value_at(toks, 0)
}

fn value_at(toks: &[Tok], depth: usize) -> (Value, &[Tok]) {
    if depth > MAX_DEPTH {
        return (Value::Other, &[]);
    }
    let (v, rest) = match toks {
        [Tok::Str(s), rest @ ..] => (Value::Str(s.clone()), rest),
        [Tok::Interp(p), rest @ ..] => (Value::Interp(p.clone()), rest),
        [Tok::Words(w), rest @ ..] => (Value::List(w.clone()), rest),
        // `Gem::Version.new("1.0")`
        [Tok::Ident(g), Tok::Scope, Tok::Ident(c), Tok::Punct('.'), Tok::Ident(n), Tok::Punct('('), rest @ ..]
            if g == "Gem" && c == "Version" && n == "new" =>
        {
            match value_at(rest, depth + 1) {
                (Value::Str(s), [Tok::Punct(')'), rest @ ..]) => (Value::Str(s), rest),
                _ => (Value::Other, rest),
            }
        }
        [Tok::Punct('['), rest @ ..] => list(rest, depth),
        [Tok::Punct('{'), rest @ ..] => hash(rest, depth),
        _ => return (Value::Other, toks),
    };
    (v, skip_identity_calls(rest))
}

fn skip_identity_calls(mut toks: &[Tok]) -> &[Tok] {
    while let [Tok::Punct('.'), Tok::Ident(m), rest @ ..] = toks {
        if !is_identity_method(m) {
            break;
        }
        toks = rest;
    }
    toks
}

/// `[a, b, …]` after the `[`: the string elements (nested arrays
/// flattened; other elements skipped).
fn list(mut toks: &[Tok], depth: usize) -> (Value, &[Tok]) {
    let mut out = Vec::new();
    loop {
        match toks {
            [] => return (Value::Other, toks),
            [Tok::Punct(']'), rest @ ..] => return (Value::List(out), rest),
            [Tok::Punct(','), rest @ ..] => toks = rest,
            _ => {
                let (v, rest) = value_at(toks, depth + 1);
                match v {
                    Value::Str(s) => out.push(s),
                    Value::List(l) => out.extend(l),
                    Value::Hash(_) | Value::Interp(_) => {}
                    Value::Other => {
                        toks = match skip_element(toks) {
                            Some(rest) => rest,
                            None => return (Value::Other, &[]),
                        };
                        continue;
                    }
                }
                toks = rest;
            }
        }
    }
}

/// `{ "k" => "v", k: "v" }` after the `{`: the pairs whose key and value
/// are strings (others skipped).
fn hash(mut toks: &[Tok], depth: usize) -> (Value, &[Tok]) {
    let mut out = Vec::new();
    loop {
        match toks {
            [] => return (Value::Other, toks),
            [Tok::Punct('}'), rest @ ..] => return (Value::Hash(out), rest),
            [Tok::Punct(','), rest @ ..] => toks = rest,
            [Tok::Ident(k) | Tok::Sym(k), Tok::Punct(':') | Tok::Arrow, rest @ ..] => {
                let key = k.clone();
                toks = pair_value(key, rest, depth, &mut out);
            }
            _ => match value_at(toks, depth + 1) {
                (Value::Str(key), [Tok::Arrow, rest @ ..]) => {
                    toks = pair_value(key, rest, depth, &mut out);
                }
                _ => match skip_element(toks) {
                    Some(rest) => toks = rest,
                    None => return (Value::Other, &[]),
                },
            },
        }
    }
}

/// Reads the value of the pair `key`, keeping it when it is a string;
/// returns the tokens after it (empty when the hash cannot go on).
fn pair_value<'t>(
    key: String,
    toks: &'t [Tok],
    depth: usize,
    out: &mut Vec<(String, String)>,
) -> &'t [Tok] {
    match value_at(toks, depth + 1) {
        (Value::Str(s), rest) => {
            out.push((key, s));
            rest
        }
        (Value::Other, _) => skip_element(toks).unwrap_or(&[]),
        (_, rest) => rest,
    }
}

/// The tokens after the list or hash element at the start of `toks`: up
/// to the next `,` or the closing bracket at the same level. `None` when
/// the element is itself a closing bracket (one of the wrong kind: the
/// caller's `]` or `}` was matched before), so every call moves on.
fn skip_element(toks: &[Tok]) -> Option<&[Tok]> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct('(' | '[' | '{') => depth = depth.saturating_add(1),
            Tok::Punct(')' | ']' | '}') if depth == 0 => {
                return (i > 0).then(|| toks.get(i..).unwrap_or(&[]));
            }
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => return Some(toks.get(i + 1..).unwrap_or(&[])),
            _ => {}
        }
    }
    Some(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINATRA: &str = r#"# -*- encoding: utf-8 -*-
# stub: sinatra 3.0.5 ruby lib

Gem::Specification.new do |s|
  s.name = "sinatra".freeze
  s.version = "3.0.5"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/sinatra/sinatra/issues", "source_code_uri" => "https://github.com/sinatra/sinatra" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Blake Mizerany".freeze, "Ryan Tomayko".freeze]
  s.homepage = "http://sinatrarb.com/".freeze
  s.licenses = ["MIT".freeze]
  s.summary = "Classy web-development dressed in a DSL".freeze

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<mustermann>.freeze, ["~> 3.0"])
    s.add_runtime_dependency(%q<rack>.freeze, ["~> 2.2", ">= 2.2.4"])
    s.add_development_dependency(%q<rack-test>.freeze, ["~> 2"])
  else
    s.add_dependency(%q<mustermann>.freeze, ["~> 3.0"])
    s.add_dependency(%q<rack>.freeze, ["~> 2.2", ">= 2.2.4"])
    s.add_dependency(%q<rack-test>.freeze, ["~> 2"])
  end
end
"#;

    #[test]
    fn reads_rubygems_written_spec_and_skips_the_old_rubygems_branch() {
        let s = parse(SINATRA).unwrap();
        assert_eq!(s.name.as_deref(), Some("sinatra"));
        assert_eq!(s.version.as_deref(), Some("3.0.5"));
        assert_eq!(s.licenses, ["MIT"]);
        assert_eq!(s.authors, ["Blake Mizerany", "Ryan Tomayko"]);
        assert_eq!(s.homepage.as_deref(), Some("http://sinatrarb.com/"));
        assert_eq!(s.dependencies, ["mustermann", "rack"]);
        assert_eq!(
            s.metadata.get("source_code_uri").map(String::as_str),
            Some("https://github.com/sinatra/sinatra")
        );
    }

    #[test]
    fn reads_old_quoting_forms_and_unicode_escapes() {
        let text = "Gem::Specification.new do |s|\n  s.name = %q{rack}\n  s.version = \"1.0\"\n  s.authors = [%q{Andr\\u00E9 Arko}, \"Jos\\u00E9 \\\"J\\\"\"]\n  s.email = %q{a@b.c}\n  s.license = 'MIT'\n  s.add_dependency 'x', '>= 1'\nend\n";
        let s = parse(text).unwrap();
        assert_eq!(s.name.as_deref(), Some("rack"));
        // `%q` keeps the backslash: single-quote escapes only.
        assert_eq!(s.authors, ["Andr\\u00E9 Arko", "José \"J\""]);
        assert_eq!(s.email, ["a@b.c"]);
        assert_eq!(s.licenses, ["MIT"]);
        assert_eq!(s.dependencies, ["x"]);
    }

    #[test]
    fn hand_written_forms_heredocs_word_arrays_and_multiline_lists() {
        let text = r#"
require_relative "lib/x/version"
Gem::Specification.new do |spec|
  spec.name          = "x"
  spec.version       = Gem::Version.new("2.0.1")
  spec.authors       = %w[Ann Bob]
  spec.description   = <<~DESC
    It's a gem: "quoted" and 'single'.
      Indented.
  DESC
  spec.licenses      = [
    "MIT",
    "Apache-2.0",
  ]
  spec.files = Dir.chdir(__dir__) { `git ls-files -z`.split("\x0").reject { |f| f.match(%r{\A(?:test)/}) } }
  spec.metadata = {
    "homepage_uri" => "https://x.example",
    changelog_uri: "https://x.example/changes",
  }
  spec.add_dependency "y", "~> 1.0"
  spec.add_development_dependency "z"
end
"#;
        let s = parse(text).unwrap();
        assert_eq!(s.version.as_deref(), Some("2.0.1"));
        assert_eq!(s.authors, ["Ann", "Bob"]);
        assert_eq!(
            s.description.as_deref(),
            Some("It's a gem: \"quoted\" and 'single'.\n  Indented.\n")
        );
        assert_eq!(s.licenses, ["MIT", "Apache-2.0"]);
        assert_eq!(s.dependencies, ["y"]);
        assert_eq!(s.metadata.len(), 2, "{:?}", s.metadata);
    }

    /// syft's gemspec fixtures against `Gem::Specification.load`
    /// (testdata/gem/syft/truth-gemspecs.json): `\u` escapes and a home
    /// page interpolating the spec's name.
    #[test]
    fn syft_fixtures_match_rubygems() {
        let dir = format!("{}/testdata/gem/syft", env!("CARGO_MANIFEST_DIR"));
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}/truth-gemspecs.json")).unwrap(),
        )
        .unwrap();
        let truth = truth.as_array().unwrap();
        assert_eq!(truth.len(), 2);
        for t in truth {
            let path = format!("{dir}/{}", t["path"].as_str().unwrap());
            let s = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let strs = |v: &serde_json::Value| -> Vec<String> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect()
            };
            assert_eq!(s.name.as_deref(), t["name"].as_str(), "{path}");
            assert_eq!(s.version.as_deref(), t["version"].as_str(), "{path}");
            assert_eq!(s.licenses, strs(&t["licenses"]), "{path}");
            assert_eq!(s.authors, strs(&t["authors"]), "{path}");
            assert_eq!(s.homepage.as_deref(), t["homepage"].as_str(), "{path}");
            assert_eq!(s.dependencies, strs(&t["runtime_dependencies"]), "{path}");
        }
    }

    #[test]
    fn other_receivers_and_interpolated_values_are_ignored() {
        let text = "Gem::Specification.new do |s|\n  s.name = \"a\"\n  other.name = \"b\"\n  s.version = \"#{V}\"\n  s.version = \"1\"\n  s.homepage = \"#{x}\"\nend\n";
        let s = parse(text).unwrap();
        assert_eq!(s.name.as_deref(), Some("a"));
        assert_eq!(s.version.as_deref(), Some("1"));
        assert_eq!(s.homepage, None);
    }

    #[test]
    fn comments_and_embedded_docs_hide_statements() {
        let text = "=begin\ns.name = \"no\"\n=end\nGem::Specification.new do |s|\n  s.name = \"yes\" # s.name = \"no\"\n  s.version = '1'\nend\n__END__\ns.version = \"2\"\n";
        let s = parse(text).unwrap();
        assert_eq!(s.name.as_deref(), Some("yes"));
        assert_eq!(s.version.as_deref(), Some("1"));
    }

    #[test]
    fn unterminated_literals_are_errors() {
        for text in [
            "Gem::Specification.new do |s|\n  s.name = \"abc\n",
            "s.name = %q{abc\n",
            "s.name = 'abc",
            "s.description = <<~X\nabc\n",
            "s.x = \"#{ \"\n",
            "=begin\n",
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.starts_with("unterminated"), "{text:?}: {err}");
        }
    }

    #[test]
    fn missing_name_or_version_is_an_error() {
        assert_eq!(
            parse("Gem::Specification.new do |s|\n s.version = '1'\nend\n").unwrap_err(),
            "gemspec sets no name"
        );
        assert_eq!(
            parse("Gem::Specification.new do |s|\n s.name = 'a'\nend\n").unwrap_err(),
            "gemspec sets no version"
        );
        assert!(parse("bogus").is_err());
    }

    /// A closing bracket of the wrong kind inside a list or hash ended
    /// nothing and was skipped over forever (found by the mangled-fixture
    /// test).
    #[test]
    fn mismatched_brackets_in_values_end_the_value() {
        for text in [
            "Gem::Specification.new do |s|\n  s.x = [ ) ]\n  s.name = 'a'\n  s.version = '1'\nend\n",
            "Gem::Specification.new do |s|\n  s.x = { \"a\" => ) }\n  s.name = 'a'\n  s.version = '1'\nend\n",
            "Gem::Specification.new do |s|\n  s.x = { } ]\n  s.name = 'a'\n  s.version = '1'\nend\n",
            "Gem::Specification.new do |s|\n  s.x = [\"a\", }, \"b\"]\n  s.name = 'a'\n  s.version = '1'\nend\n",
        ] {
            let s = parse(text).unwrap();
            assert_eq!(s.name.as_deref(), Some("a"), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_and_huge_inputs_are_refused() {
        let deep = format!("s.x = {}\n", "[".repeat(10_000));
        assert!(parse(&deep).unwrap_err().contains("nested deeper"));
        let huge = format!("s.name = \"{}\"\n", "a".repeat(MAX_GEMSPEC_SIZE));
        assert!(parse(&huge).unwrap_err().contains("MiB"));
        let blocks =
            "Gem::Specification.new do |s|\n".repeat(10_000) + "s.name = 'a'\ns.version = '1'\n";
        let s = parse(&blocks).unwrap();
        assert_eq!(s.name.as_deref(), Some("a"));
    }

    #[test]
    fn lexing_is_linear_in_the_input() {
        // Many statements, long strings, many heredocs: no quadratic step.
        let mut text =
            String::from("Gem::Specification.new do |s|\n s.name = 'a'\n s.version = '1'\n");
        for i in 0..20_000 {
            text.push_str(&format!(
                " s.files = [\"f{i}\".freeze, %q<g>, <<~X]\n body\n X\n"
            ));
        }
        text.push_str("end\n");
        let s = parse(&text).unwrap();
        assert_eq!(s.name.as_deref(), Some("a"));
    }
}
