//! Offline checks of the Terraform against itself and against the code.
//! `terraform validate` needs the provider from the registry; these need
//! nothing, so they run everywhere the tests run.
//!
//! Each check returns the problems it found, as sentences; an empty list
//! means the check passed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::{Block, Body, Expression, ObjectKey};

/// Arguments of a `module` block that are Terraform's, not the module's.
const META_ARGUMENTS: &[&str] = &["source", "version", "providers", "depends_on", "count", "for_each"];

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

/// A module's interface, read from its `variable` and `output` blocks.
#[derive(Debug, Default)]
pub struct ModuleInterface {
    /// Variable name to whether it has a default.
    pub variables: BTreeMap<String, bool>,
    pub outputs: BTreeSet<String>,
}

pub fn module_interface(dir: &Path) -> Result<ModuleInterface, String> {
    let bodies = parse_dir(dir)?;
    Ok(ModuleInterface {
        variables: blocks(&bodies, "variable")
            .map(|b| (label(b, 0).to_owned(), attribute(b.body(), "default").is_some()))
            .collect(),
        outputs: blocks(&bodies, "output").map(|b| label(b, 0).to_owned()).collect(),
    })
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

/// Every `module` call in an environment: arguments declared by the module,
/// required variables passed, and every `module.<name>.<output>` referenced
/// declared by that module.
pub fn check_environment(env_dir: &Path) -> Vec<String> {
    let env = env_dir.display();
    let bodies = match parse_dir(env_dir) {
        Ok(bodies) => bodies,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    let mut interfaces: BTreeMap<String, ModuleInterface> = BTreeMap::new();
    for call in blocks(&bodies, "module") {
        let name = label(call, 0).to_owned();
        let Some(Expression::String(source)) = attribute(call.body(), "source") else {
            problems.push(format!("{env}: module {name} has no literal source"));
            continue;
        };
        let interface = match module_interface(&env_dir.join(source)) {
            Ok(interface) => interface,
            Err(e) => {
                problems.push(format!("{env}: module {name}: {e}"));
                continue;
            }
        };
        let passed: BTreeSet<&str> = call
            .body()
            .attributes()
            .map(|a| a.key())
            .filter(|k| !META_ARGUMENTS.contains(k))
            .collect();
        for argument in passed.iter().filter(|a| !interface.variables.contains_key(**a)) {
            problems.push(format!(
                "{env}: module {name} passes `{argument}`, which {source} does not declare"
            ));
        }
        for (variable, _) in interface
            .variables
            .iter()
            .filter(|(v, has_default)| !**has_default && !passed.contains(v.as_str()))
        {
            problems.push(format!(
                "{env}: module {name} does not pass required `{variable}` of {source}"
            ));
        }
        interfaces.insert(name, interface);
    }
    for (path, _) in &bodies {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for (module, output) in module_references(&text) {
            match interfaces.get(&module) {
                None => problems.push(format!(
                    "{}: references module.{module}, which is not called",
                    path.display()
                )),
                Some(interface) if !interface.outputs.contains(&output) => problems.push(format!(
                    "{}: references module.{module}.{output}, which the module does not output",
                    path.display()
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

/// `(module, output)` for every `module.<module>.<output>` or
/// `module.<module>[i].<output>` in `text`.
pub fn module_references(text: &str) -> Vec<(String, String)> {
    let identifier = |s: &str| {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .count()
    };
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("module.") {
        let preceded_by_word = rest[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        rest = &rest[at + "module.".len()..];
        if preceded_by_word {
            continue;
        }
        let name_len = identifier(rest);
        let name = &rest[..name_len];
        let mut after = &rest[name_len..];
        if after.starts_with('[') {
            after = after.find(']').map(|end| &after[end + 1..]).unwrap_or(after);
        }
        if let Some(tail) = after.strip_prefix('.') {
            let output = &tail[..identifier(tail)];
            if !name.is_empty() && !output.is_empty() {
                found.push((name.to_owned(), output.to_owned()));
            }
        }
    }
    found
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
