//! The files a run leaves in `--out`: they exist, parse, agree with each other, and the
//! report and plots cover every architecture.

mod common;
use common::{run, TempDir};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

/// A minimal well-formedness check of an XML document: every tag that opens is closed, in
/// order (comments, declarations and self-closing tags aside).
fn assert_well_formed_xml(text: &str, name: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if rest.starts_with("<!--") {
            rest = &rest[rest.find("-->").expect("comment closes") + 3..];
            continue;
        }
        let end = rest
            .find('>')
            .unwrap_or_else(|| panic!("{name}: unclosed tag"));
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(closing.trim()),
                "{name}: mismatched </{closing}>"
            );
        } else {
            stack.push(
                tag.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
    assert!(text.contains("<svg"), "{name}: not an SVG");
}

fn check_plots(dir: &Path, names: &[&str]) {
    for name in names {
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert_well_formed_xml(&svg, name);
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png is a PNG");
        assert!(png.len() > 10_000, "{name}.png has content");
    }
}

#[test]
fn project1_files_agree_and_cover_every_architecture() {
    let dir = TempDir::new("p1-files");
    let archs = ["mlp", "convnet", "twin", "siamese", "siamese-aux"];
    let args = [
        "p1",
        "--arch",
        &archs.join(","),
        "--rounds",
        "2",
        "--epochs",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ];
    assert_eq!(run(&args), ExitCode::SUCCESS);

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let results = json["p1"]["results"].as_array().unwrap();
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows.len(),
        archs.len() * 2,
        "one row per architecture and round"
    );
    for row in &rows {
        let arch = results
            .iter()
            .find(|a| a["arch"] == row[1])
            .expect("the CSV's architecture is in the JSON");
        let round = arch["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["seed"].as_u64() == row[4].parse().ok())
            .unwrap();
        assert_eq!(row[0], "p1");
        assert_eq!(
            row[2].parse::<u64>().unwrap(),
            arch["params"].as_u64().unwrap()
        );
        assert_eq!(
            row[5].parse::<f64>().unwrap(),
            round["train_error"].as_f64().unwrap()
        );
        assert_eq!(
            row[6].parse::<f64>().unwrap(),
            round["test_error"].as_f64().unwrap()
        );
    }

    let report = std::fs::read_to_string(dir.join("REPORT.md")).unwrap();
    for arch in archs {
        assert!(
            report.contains(&format!("`{arch}`")),
            "REPORT.md names {arch}"
        );
    }
    assert!(report.contains("Weight sharing") && report.contains("auxiliary"));
    let mut plots = vec![
        "p1_test_error".to_string(),
        "p1_learning_curves".to_string(),
    ];
    plots.extend(archs.map(|a| format!("p1_grad_norms_{a}")));
    for plot in &plots {
        assert!(
            report.contains(&format!("]({plot}.png)")),
            "REPORT.md embeds {plot}"
        );
    }
    check_plots(&dir, &plots.iter().map(String::as_str).collect::<Vec<_>>());

    // Gradient norms: per round, per epoch, one positive norm per named parameter tensor.
    for arch in results {
        let names = arch["grad_norm_names"].as_array().unwrap();
        let expected = host::p1::Arch::from_name(arch["arch"].as_str().unwrap())
            .unwrap()
            .parameter_names();
        assert_eq!(names.len(), expected.len());
        assert!(names.iter().zip(&expected).all(|(a, b)| a == b));
        for round in arch["rounds"].as_array().unwrap() {
            let epochs = round["grad_norms"].as_array().unwrap();
            assert_eq!(epochs.len(), 2, "one list per epoch");
            for norms in epochs {
                let norms = norms.as_array().unwrap();
                assert_eq!(norms.len(), names.len());
                assert!(norms.iter().all(|n| n.as_f64().unwrap() > 0.0));
            }
        }
    }
}

#[test]
fn project2_files_include_the_disk_and_the_loss() {
    let dir = TempDir::new("p2-files");
    assert_eq!(
        run(&["p2", "--rounds", "2", "--out", dir.to_str().unwrap()]),
        ExitCode::SUCCESS
    );
    check_plots(&dir, &["p2_disk", "p2_loss"]);
    let report = std::fs::read_to_string(dir.join("REPORT.md")).unwrap();
    assert!(report.contains("`mlp-2-25-25-25-2`") && report.contains("](p2_disk.png)"));
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn an_unusable_out_directory_is_refused_before_training() {
    let dir = TempDir::new("out-file");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    assert_eq!(
        run(&["p2", "--rounds", "1", "--out", file.to_str().unwrap()]),
        ExitCode::from(2)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "x",
        "nothing the user gave is lost"
    );
    let below_a_file = file.join("sub");
    assert_eq!(
        run(&[
            "p2",
            "--rounds",
            "1",
            "--out",
            below_a_file.to_str().unwrap()
        ]),
        ExitCode::from(2)
    );
}
