//! `render` and `score`: the docs engine with no services, for users who just want the
//! documents or a CI quality gate.

use crate::output::{self, Output};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// `render` arguments.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The spec file.
    pub spec: PathBuf,
    /// Documents to render, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = ["markdown", "html"], default_value = "markdown,html")]
    pub format: Vec<String>,
    /// Output directory (created if missing).
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
}

/// `score` arguments.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The spec file.
    pub spec: PathBuf,
    /// Exit non-zero when the score is below this.
    #[arg(long)]
    pub min_score: Option<u32>,
}

fn load(path: &PathBuf) -> Result<specdoc_docs::Spec> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    specdoc_docs::parse(&bytes, &specdoc_docs::Limits::default())
        .with_context(|| format!("{} is not a usable spec", path.display()))
}

pub fn render(args: RenderArgs, out: Output) -> Result<ExitCode> {
    let spec = load(&args.spec)?;
    let score = specdoc_docs::score::score(&spec);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    // Named after the input file, never after spec content.
    let stem = args
        .spec
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("api");
    let mut written = Vec::new();
    for format in &args.format {
        let (text, ext) = match format.as_str() {
            "markdown" => (specdoc_docs::markdown::render(&spec, Some(&score)), "md"),
            _ => (specdoc_docs::html::render(&spec, Some(&score)), "html"),
        };
        let path = args.out.join(format!("{stem}.{ext}"));
        std::fs::write(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        match out {
            Output::Text => println!("wrote {} ({} bytes)", path.display(), text.len()),
            Output::Json => written.push(serde_json::json!({
                "format": format, "path": path.display().to_string(), "bytes": text.len(),
            })),
        }
    }
    if out == Output::Json {
        output::print(&serde_json::json!({
            "documents": written,
            "quality_score": score.overall,
            "operations": spec.operations.len(),
        }));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn score(args: ScoreArgs, out: Output) -> Result<ExitCode> {
    let spec = load(&args.spec)?;
    let score = specdoc_docs::score::score(&spec);
    if out == Output::Json {
        let json = serde_json::json!({
            "overall": score.overall,
            "categories": score.categories.iter().map(|c| serde_json::json!({
                "category": c.category, "weight": c.weight, "score": c.score, "detail": c.detail,
            })).collect::<Vec<_>>(),
            "findings": score.findings.iter().map(|f| serde_json::json!({
                "rule_id": f.rule_id, "severity": f.severity.as_str(), "pointer": f.pointer, "message": f.message,
            })).collect::<Vec<_>>(),
        });
        output::print(&json);
    } else {
        println!("quality score {}/100", score.overall);
        for category in &score.categories {
            println!(
                "  {:<24} {:>3}  (weight {:>2})  {}",
                category.category, category.score, category.weight, category.detail
            );
        }
        println!("{} findings", score.findings.len());
        for finding in score.findings.iter().take(20) {
            println!(
                "  {:<8} {:<32} {}  {}",
                finding.severity.as_str(),
                finding.rule_id,
                finding.pointer,
                finding.message
            );
        }
    }
    match args.min_score {
        Some(min) if score.overall < min => {
            eprintln!("score {} is below the minimum of {min}", score.overall);
            Ok(ExitCode::from(2))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
