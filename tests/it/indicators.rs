//! `letopis indicators`: every indicator's definition quotes the act that sets it (seed 001,
//! appendix 1) and states whom, what and over which period it counts (issue #17's acceptance
//! interface); with `--data`, the targets in force with their status.

use serde_json::Value;

use crate::support::{generate, letopis, seeds, text};
use letopis::cli::demo::Scale;

fn catalogue(args: &[&str]) -> Vec<Value> {
    let output = letopis(&[&["indicators", "--format", "json"], args].concat());
    assert!(output.status.success(), "{}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_indicator_names_itself_in_the_acts_words_and_says_how_it_counts() {
    let items = catalogue(&[]);
    assert_eq!(items.len(), 32);
    let act = words(&std::fs::read_to_string(seeds().join("001_78658875f6c88a1e.txt")).unwrap());
    let plan = words(&std::fs::read_to_string(seeds().join("003_0a5091881897af1c.txt")).unwrap());
    let municipal: Vec<&Value> = items.iter().filter(|item| item["level"] == "municipal").collect();
    assert_eq!(municipal.len(), 9, "seed 003's seven indicators, the seventh with its two parts");
    for item in municipal {
        let name = words(item["name"].as_str().unwrap());
        let parts: Vec<&str> = match item["code"].as_str().unwrap() {
            // The dump puts the target («Не менее 2 ед.») in the middle of the name.
            "municipal_events" => name.split(" педагогических работников").take(1).collect(),
            "mun_fr_academy" | "mun_fr_institute" => {
                name.split(" Федерального реестра, ").collect()
            }
            _ => vec![name.as_str()],
        };
        for part in parts {
            assert!(plan.contains(part), "{}: «{part}» is not the plan's wording", item["code"]);
        }
        assert!(item["act"].as_str().unwrap().contains("54-од"), "{item}");
    }
    for item in items.iter().filter(|item| item["level"] == "regional") {
        for key in [
            "code",
            "level",
            "name",
            "definition",
            "act",
            "population",
            "numerator",
            "denominator",
            "period",
        ] {
            let value = item[key].as_str().unwrap_or_default();
            assert!(!value.is_empty(), "{key} of {item}");
        }
        assert_eq!(item["level"], "regional", "{item}");
        let name = words(item["name"].as_str().unwrap());
        // The dump splits two names over table rows: each part is the act's.
        let parts: Vec<&str> = match item["code"].as_str().unwrap() {
            // The act writes «ЦНППИМ» here, a slip for ЦНППМ; the name says ЦНППМ.
            "tutor_accompanied" => vec![
                name.split(" «Академия").next().unwrap(),
                "«Академия Минпросвещения России», тьюторами ЦНПП",
            ],
            "talents" => name.split(" и талантов").collect(),
            "regional_events" => name.split(" (не менее").take(1).collect(),
            _ => vec![name.as_str()],
        };
        for part in parts {
            assert!(act.contains(part), "{}: «{part}» is not the act's wording", item["code"]);
        }
        assert!(item["act"].as_str().unwrap().contains("55-494-мр"), "{item}");
    }
    let by_code = |code: &str| items.iter().find(|item| item["code"] == code).unwrap().clone();
    assert!(by_code("route_supported")["name"]
        .as_str()
        .unwrap()
        .ends_with("региональными методистами"));
    assert!(by_code("route_supported")["numerator"]
        .as_str()
        .unwrap()
        .contains("тьютора сюда не входит"));
    assert!(by_code("diagnosed")["period"].as_str().unwrap().contains("п. 28"));
}

#[test]
fn with_a_store_each_indicator_lists_its_targets_with_their_status() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), Scale::District, 7).unwrap();
    let data = dir.path().to_str().unwrap();
    let items = catalogue(&["--data", data, "--date", "2024-06-30"]);
    let with_targets: Vec<&Value> =
        items.iter().filter(|item| !item["targets"].as_array().unwrap().is_empty()).collect();
    assert!(!with_targets.is_empty());
    for item in with_targets {
        for target in item["targets"].as_array().unwrap() {
            for key in ["value", "act", "period", "deadline", "status"] {
                assert!(target.get(key).is_some(), "{key} missing in {target}");
            }
            let status = target["status"].as_str();
            assert!(
                matches!(status, Some("met" | "not_met" | "not_due") | None),
                "{}: {target}",
                item["code"]
            );
        }
    }
}
