//! Version ordering per ecosystem (`sbomctl_catalog::version`), checked
//! against each ecosystem's own implementation on generated pairs: dpkg
//! (`dpkg --compare-versions`), rpm (`rpm.ver` comparisons in rpm's Lua),
//! PEP 440 (`packaging.version.Version`), SemVer (npm's `semver.compare`),
//! RubyGems (`Gem::Version#<=>`) and Maven (`ComparableVersion`'s own
//! `main`, from Debian's maven). The pairs are near each other (one is a
//! small edit of the other), so they differ where the rules are subtle.

use std::cmp::Ordering;
use std::io::Write as _;
use std::process::{Command, Stdio};

use sbomctl_catalog::version::Scheme;

use sbomctl_testutil::rng::Rng;

/// `count` pairs: a version from `make`, and either another one or the
/// same one with one token of `tokens` put in, replaced or taken out.
fn pairs(
    seed: u64,
    count: usize,
    make: impl Fn(&mut Rng) -> Vec<String>,
    tokens: &[&str],
) -> Vec<(String, String)> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    while out.len() < count {
        let a = make(&mut rng);
        let b = if rng.chance(20) {
            make(&mut rng)
        } else {
            let mut b = a.clone();
            let at = rng.below(b.len() + 1);
            match rng.below(3) {
                0 => b.insert(at.min(b.len()), rng.pick(tokens).to_owned()),
                1 if at < b.len() => b[at] = rng.pick(tokens).to_owned(),
                _ if b.len() > 1 && at < b.len() => {
                    b.remove(at);
                }
                _ => b.push(rng.pick(tokens).to_owned()),
            }
            b
        };
        out.push((a.concat(), b.concat()));
    }
    out
}

/// A small number, then up to four tokens.
fn numbered_then(r: &mut Rng, tokens: &[&str]) -> Vec<String> {
    let mut v = vec![r.pick(&["0", "1", "2", "10"]).to_owned()];
    for _ in 0..r.below(5) {
        v.push(r.pick(tokens).to_owned());
    }
    v
}

/// Runs `program` with `stdin`, returning stdout's lines.
fn run(program: &str, args: &[&str], stdin: &str) -> Vec<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn sign(o: Ordering) -> i32 {
    o as i32
}

/// Asserts that `scheme` orders every pair as `truth` does (-1, 0, 1).
fn assert_agrees(scheme: Scheme, pairs: &[(String, String)], truth: &[i32]) {
    assert_eq!(pairs.len(), truth.len(), "one answer per pair");
    let wrong: Vec<String> = pairs
        .iter()
        .zip(truth)
        .filter(|((a, b), t)| sign(scheme.compare(a, b)) != **t)
        .map(|((a, b), t)| {
            format!(
                "{a} vs {b}: expected {t}, got {}",
                sign(scheme.compare(a, b))
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{scheme:?}: {} of {} pairs differ:\n{}",
        wrong.len(),
        pairs.len(),
        wrong.join("\n")
    );
    // The generator makes every kind of answer.
    for t in [-1, 0, 1] {
        assert!(truth.contains(&t), "no pair answered {t}");
    }
}

/// The pairs the tool accepted (it answered `invalid` for the others), with
/// its answers.
fn accepted(
    pairs: Vec<(String, String)>,
    answers: Vec<String>,
) -> (Vec<(String, String)>, Vec<i32>) {
    pairs
        .into_iter()
        .zip(answers)
        .filter(|(_, t)| t != "invalid")
        .map(|(p, t)| (p, t.parse::<i32>().unwrap()))
        .unzip()
}

fn parse_signs(lines: &[String]) -> Vec<i32> {
    lines
        .iter()
        .map(|l| {
            l.trim()
                .parse::<i32>()
                .unwrap_or_else(|_| panic!("{l:?}"))
                .signum()
        })
        .collect()
}

const DPKG_TOKENS: &[&str] = &[
    "0", "1", "2", "10", "01", ".", "~", "+", "a", "b", "z", "A", "rc", "~rc1", "+b1", ".0",
];

#[test]
fn dpkg_order_matches_dpkg() {
    let pairs = pairs(
        1,
        400,
        |r| {
            let mut v = Vec::new();
            if r.chance(15) {
                v.push(r.pick(&["1:", "2:", "0:"]).to_owned());
            }
            v.push(r.pick(&["0", "1", "2", "10"]).to_owned());
            for _ in 0..r.below(5) {
                v.push(r.pick(DPKG_TOKENS).to_owned());
            }
            if r.chance(50) {
                v.push(
                    r.pick(&["-1", "-0", "-1ubuntu1", "-2~bpo1", "-1+deb12u1"])
                        .to_owned(),
                );
            }
            v
        },
        DPKG_TOKENS,
    );
    // dpkg rejects some generated strings (e.g. a revision in the middle):
    // only pairs both sides of which dpkg accepts count.
    let script = "while read -r a b; do \
                  if dpkg --compare-versions \"$a\" lt \"$b\" 2>/dev/null; then echo -1; \
                  elif dpkg --compare-versions \"$a\" eq \"$b\" 2>/dev/null; then echo 0; \
                  elif dpkg --compare-versions \"$a\" gt \"$b\" 2>/dev/null; then echo 1; \
                  else echo invalid; fi; done";
    let input: String = pairs.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let answers = run("sh", &["-c", script], &input);
    let (valid, truth) = accepted(pairs, answers);
    assert!(valid.len() > 300, "only {} valid pairs", valid.len());
    assert_agrees(Scheme::Dpkg, &valid, &truth);
}

const RPM_TOKENS: &[&str] = &[
    "0", "1", "2", "10", "01", ".", "_", "~", "^", "a", "b", "rc", "~rc1", "^git1", "el9", ".0",
    "+",
];

#[test]
fn rpm_order_matches_rpm() {
    let pairs = pairs(
        2,
        400,
        |r| {
            let mut v = Vec::new();
            if r.chance(15) {
                v.push(r.pick(&["1:", "2:", "0:"]).to_owned());
            }
            v.push(r.pick(&["0", "1", "2", "10", "a"]).to_owned());
            for _ in 0..r.below(5) {
                v.push(r.pick(RPM_TOKENS).to_owned());
            }
            if r.chance(60) {
                v.push(
                    r.pick(&["-1", "-0", "-1.el9", "-2.fc40", "-1~rc"])
                        .to_owned(),
                );
            }
            v
        },
        RPM_TOKENS,
    );
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("pairs");
    let input: String = pairs.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    std::fs::write(&list, input).unwrap();
    let lua = format!(
        "%{{lua: local out = {{}}; for line in io.lines('{}') do \
         local a, b = line:match('^(%S+) (%S+)$'); \
         local x, y = rpm.ver(a), rpm.ver(b); \
         local v = 1; if x < y then v = -1 elseif x == y then v = 0 end; \
         out[#out + 1] = v end; print(table.concat(out, '\\n'))}}",
        list.display()
    );
    let truth = parse_signs(&run("rpm", &["--eval", &lua], ""));
    assert_agrees(Scheme::Rpm, &pairs, &truth);
}

const PEP440_TOKENS: &[&str] = &[
    ".0", ".1", ".10", "a1", "b2", "rc1", "c1", ".post1", "-1", ".dev0", ".dev1", "+local", "+1",
    "+abc.2", "alpha", "pre", "-rc.1", "_post2",
];

#[test]
fn pep440_order_matches_packaging() {
    let pairs = pairs(
        3,
        400,
        |r| {
            let mut v = Vec::new();
            if r.chance(10) {
                v.push("1!".to_owned());
            }
            v.push(r.pick(&["0", "1", "2", "10", "v1"]).to_owned());
            for _ in 0..r.below(4) {
                v.push(r.pick(PEP440_TOKENS).to_owned());
            }
            v
        },
        PEP440_TOKENS,
    );
    let script = "import sys\n\
                  from packaging.version import Version, InvalidVersion\n\
                  for line in sys.stdin:\n\
                  \x20   a, b = line.split()\n\
                  \x20   try:\n\
                  \x20       x, y = Version(a), Version(b)\n\
                  \x20   except InvalidVersion:\n\
                  \x20       print('invalid'); continue\n\
                  \x20   print(-1 if x < y else 0 if x == y else 1)\n";
    let input: String = pairs.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let python = std::env::var_os("SBOMCTL_VENV")
        .map_or_else(
            || common_root().join("target/venv"),
            std::path::PathBuf::from,
        )
        .join("bin/python");
    let answers = run(python.to_str().unwrap(), &["-c", script], &input);
    let (valid, truth) = accepted(pairs, answers);
    assert!(valid.len() > 150, "only {} valid pairs", valid.len());
    assert_agrees(Scheme::Pep440, &valid, &truth);
}

fn common_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

const SEMVER_TOKENS: &[&str] = &[
    ".0", ".1", ".10", "-alpha", "-beta", ".2", ".11", "-rc.1", "+build", "+b.1", "-0", ".alpha",
];

#[test]
fn semver_order_matches_npm_semver() {
    let pairs = pairs(
        4,
        400,
        |r| {
            let mut v = vec![r.pick(&["0", "1", "2", "10", "v1"]).to_owned()];
            for _ in 0..2 {
                v.push(r.pick(&[".0", ".1", ".2", ".10"]).to_owned());
            }
            for _ in 0..r.below(3) {
                v.push(r.pick(SEMVER_TOKENS).to_owned());
            }
            v
        },
        SEMVER_TOKENS,
    );
    let npm_root = run("npm", &["root", "-g"], "");
    let semver = format!("{}/npm/node_modules/semver", npm_root[0]);
    let script = format!(
        "const semver = require({semver:?});\n\
         const lines = require('fs').readFileSync(0, 'utf8').trim().split('\\n');\n\
         for (const line of lines) {{\n\
         \x20 const [a, b] = line.split(' ');\n\
         \x20 if (!semver.valid(a) || !semver.valid(b)) {{ console.log('invalid'); continue; }}\n\
         \x20 console.log(semver.compare(a, b));\n\
         }}\n"
    );
    let input: String = pairs.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let answers = run("node", &["-e", &script], &input);
    let (valid, truth) = accepted(pairs, answers);
    assert!(valid.len() > 100, "only {} valid pairs", valid.len());
    assert_agrees(Scheme::Semver, &valid, &truth);
}

const GEM_TOKENS: &[&str] = &[
    ".0", ".1", ".10", ".a", ".b", ".rc1", ".pre", "-1", "-rc", ".0.0", "a", "1", ".beta.2",
];

#[test]
fn gem_order_matches_rubygems() {
    let pairs = pairs(5, 400, |r| numbered_then(r, GEM_TOKENS), GEM_TOKENS);
    let script = "STDIN.each_line do |line|\n\
                  \x20 a, b = line.split\n\
                  \x20 if Gem::Version.correct?(a) && Gem::Version.correct?(b)\n\
                  \x20   puts(Gem::Version.new(a) <=> Gem::Version.new(b))\n\
                  \x20 else\n\
                  \x20   puts 'invalid'\n\
                  \x20 end\n\
                  end\n";
    let input: String = pairs.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let answers = run("ruby", &["-e", script], &input);
    let (valid, truth) = accepted(pairs, answers);
    assert!(valid.len() > 200, "only {} valid pairs", valid.len());
    assert_agrees(Scheme::Gem, &valid, &truth);
}

const MAVEN_TOKENS: &[&str] = &[
    ".0",
    ".1",
    ".10",
    "-1",
    "-alpha",
    "-beta-1",
    "-rc",
    "-SNAPSHOT",
    "-sp",
    "-ga",
    "-final",
    "-cr1",
    "a1",
    "b2",
    "m3",
    "-x",
    ".x1",
    "-0",
    "--",
    "..",
];

/// Debian's maven package: the jar holding `ComparableVersion`.
const MAVEN_ARTIFACT: &str = "/usr/share/maven/lib/maven-artifact-3.x.jar";

#[test]
fn maven_order_matches_comparable_version() {
    let pairs = pairs(6, 300, |r| numbered_then(r, MAVEN_TOKENS), MAVEN_TOKENS);
    // ComparableVersion's main compares each argument with the one before:
    // with A1 B1 A2 B2 ..., every other comparison is a pair's.
    let mut args = vec![
        "-cp",
        MAVEN_ARTIFACT,
        "org.apache.maven.artifact.versioning.ComparableVersion",
    ];
    for (a, b) in &pairs {
        args.push(a);
        args.push(b);
    }
    let lines = run("java", &args, "");
    let verdicts: Vec<i32> = lines
        .iter()
        .filter(|l| l.starts_with("   "))
        .map(|l| {
            if l.contains(" < ") {
                -1
            } else if l.contains(" == ") {
                0
            } else if l.contains(" > ") {
                1
            } else {
                panic!("{l:?}")
            }
        })
        .collect();
    assert_eq!(
        verdicts.len(),
        pairs.len() * 2 - 1,
        "one verdict per neighbour"
    );
    let truth: Vec<i32> = verdicts.into_iter().step_by(2).collect();
    assert_agrees(Scheme::Maven, &pairs, &truth);
}

/// apk-tools' own comparison vectors (test/unit/version.data, copied into
/// catalog/testdata/version/): `A op B` must hold, `A !op B` must not.
/// Fuzzy (`~`) lines are dependency matching, not ordering, and are left
/// out; the validity lines are checked by the unit test in `version::apk`.
#[test]
fn apk_order_matches_apk_tools_test_vectors() {
    let data =
        std::fs::read_to_string(common_root().join("catalog/testdata/version/apk-version.data"))
            .unwrap();
    let mut checked = 0;
    for line in data.lines() {
        let line = line.split('#').next().unwrap().trim();
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts[..] else { continue };
        let (negate, op) = match op.strip_prefix('!') {
            Some(op) => (true, op),
            None => (false, op),
        };
        if op.contains('~') {
            continue;
        }
        let got = Scheme::Apk.compare(a, b);
        let holds = match op {
            "<" => got == Ordering::Less,
            ">" => got == Ordering::Greater,
            "=" => got == Ordering::Equal,
            "<=" => got != Ordering::Greater,
            ">=" => got != Ordering::Less,
            other => panic!("operator {other:?} in {line:?}"),
        };
        assert_eq!(holds, !negate, "{line:?}: got {got:?}");
        checked += 1;
    }
    assert!(checked > 700, "only {checked} comparisons");
}

const APK_TOKENS: &[&str] = &[
    ".0",
    ".1",
    ".10",
    ".01",
    ".9",
    "a",
    "b",
    "z",
    "_alpha",
    "_beta2",
    "_pre1",
    "_rc",
    "_rc1",
    "_p",
    "_p2",
    "_git20240101",
    "_cvs",
    "_hg1",
    "~abc1",
    "~12",
    "-r0",
    "-r1",
    "-r10",
    "x",
    "_",
    "-",
    ".",
];

/// apk-tools is not installable here, so generated pairs are checked for
/// what an order must be: antisymmetric (`a < b` exactly when `b > a`) and
/// transitive over triples of near versions, valid or not.
#[test]
fn apk_order_is_antisymmetric_and_transitive() {
    let pairs = pairs(7, 2000, |r| numbered_then(r, APK_TOKENS), APK_TOKENS);
    let mut answers = [0usize; 3];
    for (a, b) in &pairs {
        let ab = Scheme::Apk.compare(a, b);
        assert_eq!(ab, Scheme::Apk.compare(b, a).reverse(), "{a} vs {b}");
        answers[(sign(ab) + 1) as usize] += 1;
    }
    assert!(answers.iter().all(|&n| n > 50), "answers {answers:?}");
    let versions: Vec<&String> = pairs.iter().flat_map(|(a, b)| [a, b]).take(120).collect();
    for x in &versions {
        for y in &versions {
            if Scheme::Apk.compare(x, y) == Ordering::Greater {
                continue;
            }
            for z in &versions {
                if Scheme::Apk.compare(y, z) != Ordering::Greater {
                    assert_ne!(
                        Scheme::Apk.compare(x, z),
                        Ordering::Greater,
                        "{x} <= {y} <= {z} but {x} > {z}"
                    );
                }
            }
        }
    }
}
