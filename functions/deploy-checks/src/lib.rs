//! Checks of the Terraform against the code, for what no real tool sees:
//! the variables each function reads against its deployed environment, the
//! AWS calls it makes against its role's actions, and module documentation.
//! Module wiring (arguments, outputs) is `terraform validate`'s job, and the
//! deploy test (`tests/deploy.rs`) runs it with plan, apply and destroy.
//!
//! Each check returns the problems it found, as sentences; an empty list
//! means the check passed.
//!
//! Two rules here stand in for tools that cannot be installed on the build
//! machine: the module layout check (`check_module`) for tflint's
//! terraform ruleset (`terraform_standard_module_structure`), and the
//! README tables (`module_docs`) for terraform-docs, whose markers they use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hcl::{Block, Body, Expression, ObjectKey};

/// Files every module has.
pub const MODULE_FILES: &[&str] = &["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"];

/// Parses every `.tf` file in `dir` (following symlinks) into one body per file.
pub fn parse_dir(dir: &Path) -> Result<Vec<(PathBuf, Body)>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let body = hcl::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((path, body))
        })
        .collect()
}

fn blocks<'a>(bodies: &'a [(PathBuf, Body)], identifier: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    bodies
        .iter()
        .flat_map(move |(_, body)| body.blocks().filter(move |b| b.identifier() == identifier))
}

fn label(block: &Block, index: usize) -> &str {
    block.labels().get(index).map(|l| l.as_str()).unwrap_or_default()
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

/// Module layout and documentation: the standard files, a description and a
/// type on every variable, a description on every output, and a README that
/// names every input and output.
pub fn check_module(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let mut problems: Vec<String> = MODULE_FILES
        .iter()
        .filter(|file| !dir.join(file).exists())
        .map(|file| format!("module {name} has no {file}"))
        .collect();
    let bodies = match parse_dir(dir) {
        Ok(bodies) => bodies,
        Err(e) => return vec![e],
    };
    for variable in blocks(&bodies, "variable") {
        for required in ["description", "type"] {
            if attribute(variable.body(), required).is_none() {
                problems.push(format!(
                    "module {name}: variable {} has no {required}",
                    label(variable, 0)
                ));
            }
        }
    }
    for output in blocks(&bodies, "output") {
        if attribute(output.body(), "description").is_none() {
            problems.push(format!("module {name}: output {} has no description", label(output, 0)));
        }
    }
    if let Ok(readme) = std::fs::read_to_string(dir.join("README.md")) {
        let documented = |item: &str| readme.contains(&format!("`{item}`"));
        for variable in blocks(&bodies, "variable")
            .map(|b| label(b, 0))
            .filter(|v| !documented(v))
        {
            problems.push(format!("module {name}: README.md does not list input `{variable}`"));
        }
        for output in blocks(&bodies, "output")
            .map(|b| label(b, 0))
            .filter(|o| !documented(o))
        {
            problems.push(format!("module {name}: README.md does not list output `{output}`"));
        }
    }
    problems
}

/// The keys of the `environment` map passed to module call `module_name`.
pub fn lambda_environment(env_dir: &Path, module_name: &str) -> Result<BTreeSet<String>, String> {
    let bodies = parse_dir(env_dir)?;
    let call = blocks(&bodies, "module")
        .find(|b| label(b, 0) == module_name)
        .ok_or_else(|| format!("{}: no module {module_name}", env_dir.display()))?;
    match attribute(call.body(), "environment") {
        Some(Expression::Object(object)) => Ok(object
            .keys()
            .map(|key| match key {
                ObjectKey::Identifier(identifier) => identifier.to_string(),
                ObjectKey::Expression(Expression::String(s)) => s.clone(),
                other => format!("{other:?}"),
            })
            .collect()),
        _ => Err(format!(
            "{}: module {module_name} passes no literal environment map",
            env_dir.display()
        )),
    }
}

/// The variables a function reads against those its deployment sets.
pub fn check_lambda_environment(
    env_dir: &Path,
    module_name: &str,
    reads: &[&str],
    not_deployed: &[&str],
) -> Vec<String> {
    let set = match lambda_environment(env_dir, module_name) {
        Ok(set) => set,
        Err(e) => return vec![e],
    };
    let expected: BTreeSet<String> = reads
        .iter()
        .filter(|v| !not_deployed.contains(v))
        .map(|v| (*v).to_owned())
        .collect();
    let env = env_dir.display();
    let mut problems: Vec<String> = expected
        .difference(&set)
        .map(|v| format!("{env}: {module_name} reads {v}, but the deployment does not set it"))
        .collect();
    problems.extend(
        set.difference(&expected)
            .map(|v| format!("{env}: {module_name} is given {v}, which it never reads")),
    );
    problems
}

/// One statement of a policy document, as IAM reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `effect`: Allow unless it says `Deny`.
    pub allow: bool,
    /// The action patterns (`s3:GetObject`, `s3:*`, `kms:Describe*`).
    pub actions: Vec<String>,
    /// `not_actions`: the statement covers every action but these.
    pub inverted: bool,
}

impl Statement {
    /// Whether the statement covers `action`.
    pub fn covers(&self, action: &str) -> bool {
        self.actions.iter().any(|pattern| action_matches(pattern, action)) != self.inverted
    }
}

/// Whether an IAM action pattern matches `action` as IAM matches them:
/// case-insensitively, `*` for any run of characters and `?` for one, the
/// service prefix included (`s3:*`, `kms:Describe*`, `*`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    fn matches(pattern: &[u8], action: &[u8]) -> bool {
        match (pattern.split_first(), action.split_first()) {
            (None, None) => true,
            (Some((b'*', rest)), _) => matches(rest, action) || (!action.is_empty() && matches(pattern, &action[1..])),
            (Some((b'?', rest)), Some((_, tail))) => matches(rest, tail),
            (Some((p, rest)), Some((a, tail))) => p.eq_ignore_ascii_case(a) && matches(rest, tail),
            _ => false,
        }
    }
    matches(pattern.as_bytes(), action.as_bytes())
}

/// Whether `statements` allow `action`: some Allow covers it and no Deny does.
pub fn allows(statements: &[Statement], action: &str) -> bool {
    let covering = |allow: bool| statements.iter().any(|s| s.allow == allow && s.covers(action));
    covering(true) && !covering(false)
}

/// The string items of a literal list, or of `concat()` over literal lists.
fn literal_list(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Array(items) => items
            .iter()
            .map(|item| match item {
                Expression::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        Expression::FuncCall(call) if call.name.name.as_str() == "concat" => {
            let lists: Option<Vec<Vec<String>>> = call.args.iter().map(literal_list).collect();
            lists.map(|lists| lists.concat())
        }
        _ => None,
    }
}

/// Every statement (plain, or the `content` of a `dynamic`) of
/// `data "aws_iam_policy_document" "<document>"` in `file`. An action list
/// the check cannot read (a variable, a `for` expression) is an error, not
/// an empty list: unread, it would hide a grant or invent a gap.
pub fn policy_statements(file: &Path, document: &str) -> Result<Vec<Statement>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let body = hcl::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let data = body
        .blocks()
        .find(|b| b.identifier() == "data" && label(b, 0) == "aws_iam_policy_document" && label(b, 1) == document)
        .ok_or_else(|| format!("{}: no policy document {document}", file.display()))?;
    let bodies = data.body().blocks().flat_map(|b| match b.identifier() {
        "statement" => vec![b.body()],
        "dynamic" if label(b, 0) == "statement" => b
            .body()
            .blocks()
            .filter(|c| c.identifier() == "content")
            .map(|c| c.body())
            .collect(),
        _ => vec![],
    });
    let mut statements = Vec::new();
    for body in bodies {
        let allow = !matches!(attribute(body, "effect"), Some(Expression::String(e)) if e.eq_ignore_ascii_case("deny"));
        let (expr, inverted) = match (attribute(body, "actions"), attribute(body, "not_actions")) {
            (Some(expr), None) => (expr, false),
            (None, Some(expr)) => (expr, true),
            _ => continue,
        };
        let actions = literal_list(expr).ok_or_else(|| {
            format!(
                "{}: a statement of {document} lists its actions in an expression this check cannot read",
                file.display()
            )
        })?;
        statements.push(Statement {
            allow,
            actions,
            inverted,
        });
    }
    Ok(statements)
}

/// The action patterns the Allow statements of `document` name, as written
/// (`s3:*` stays `s3:*`): what a least-privilege check compares.
pub fn policy_actions(file: &Path, document: &str) -> Result<BTreeSet<String>, String> {
    Ok(policy_statements(file, document)?
        .into_iter()
        .filter(|s| s.allow)
        .flat_map(|s| s.actions)
        .collect())
}

/// Every action the code needs is allowed by the role's policy document,
/// matched as IAM matches (wildcards, case, Deny over Allow).
pub fn check_iam_actions(file: &Path, document: &str, needed: &[&str]) -> Vec<String> {
    match policy_statements(file, document) {
        Err(e) => vec![e],
        Ok(statements) => needed
            .iter()
            .filter(|action| !allows(&statements, action))
            .map(|action| {
                format!(
                    "{}: role {document} lacks {action}, which the code calls",
                    file.display()
                )
            })
            .collect(),
    }
}

pub const DOCS_BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
pub const DOCS_END: &str = "<!-- END_TF_DOCS -->";

fn render(expr: Option<&Expression>) -> String {
    match expr {
        None => String::new(),
        Some(Expression::String(s)) => s.clone(),
        Some(other) => hcl::format::to_string(other).unwrap_or_default().replace('\n', " "),
    }
}

/// The inputs and outputs tables of a module, between terraform-docs markers.
pub fn module_docs(dir: &Path) -> Result<String, String> {
    let bodies = parse_dir(dir)?;
    let cell = |s: String| s.replace('|', "\\|");
    let mut out = format!("{DOCS_BEGIN}\n## Inputs\n\n| Name | Description | Type | Default |\n|---|---|---|---|\n");
    for variable in blocks(&bodies, "variable") {
        let body = variable.body();
        let default = match attribute(body, "default") {
            None => "required".to_owned(),
            Some(Expression::String(s)) => format!("`\"{}\"`", cell(s.clone())),
            Some(expr) => format!("`{}`", cell(render(Some(expr)))),
        };
        out += &format!(
            "| `{}` | {} | `{}` | {} |\n",
            label(variable, 0),
            cell(render(attribute(body, "description"))),
            cell(render(attribute(body, "type"))),
            default
        );
    }
    out += "\n## Outputs\n\n| Name | Description |\n|---|---|\n";
    for output in blocks(&bodies, "output") {
        out += &format!(
            "| `{}` | {} |\n",
            label(output, 0),
            cell(render(attribute(output.body(), "description")))
        );
    }
    out += DOCS_END;
    Ok(out)
}

/// The README with its generated section replaced by `docs`.
pub fn with_docs(readme: &str, docs: &str) -> Option<String> {
    let begin = readme.find(DOCS_BEGIN)?;
    let end = readme.find(DOCS_END)? + DOCS_END.len();
    Some(format!("{}{docs}{}", &readme[..begin], &readme[end..]))
}
