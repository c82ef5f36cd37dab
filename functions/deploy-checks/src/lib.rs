//! Checks of the Terraform against the code, for what no real tool sees:
//! the variables each function reads against its deployed environment, the
//! AWS calls it makes against its role's actions, and module documentation.
//! Module wiring (arguments, outputs) is `terraform validate`'s job, and the
//! deploy test (`tests/deploy.rs`) runs it with plan, apply and destroy.
//!
//! Each check returns the problems it found, as sentences; an empty list
//! means the check passed.

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

/// The actions of every statement (plain or `dynamic`) of
/// `data "aws_iam_policy_document" "<document>"` in `file`.
pub fn policy_actions(file: &Path, document: &str) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let body = hcl::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let data = body
        .blocks()
        .find(|b| b.identifier() == "data" && label(b, 0) == "aws_iam_policy_document" && label(b, 1) == document)
        .ok_or_else(|| format!("{}: no policy document {document}", file.display()))?;
    let statements = data.body().blocks().flat_map(|b| match b.identifier() {
        "statement" => vec![b.body()],
        "dynamic" if label(b, 0) == "statement" => b
            .body()
            .blocks()
            .filter(|c| c.identifier() == "content")
            .map(|c| c.body())
            .collect(),
        _ => vec![],
    });
    let mut actions = BTreeSet::new();
    for statement in statements {
        if let Some(Expression::Array(items)) = attribute(statement, "actions") {
            actions.extend(items.iter().filter_map(|item| match item {
                Expression::String(s) => Some(s.clone()),
                _ => None,
            }));
        }
    }
    Ok(actions)
}

/// Every action the code needs is granted by the role's policy document.
pub fn check_iam_actions(file: &Path, document: &str, needed: &[&str]) -> Vec<String> {
    match policy_actions(file, document) {
        Err(e) => vec![e],
        Ok(granted) => needed
            .iter()
            .filter(|action| !granted.contains(**action))
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
