use super::*;
use serde_json::json;

/// A small spec in the project's layout, with a comment and an unsorted enum to keep.
const SPEC_TEXT: &str = r##"openapi: 3.0.3
info:
  title: t
  version: "1"
paths:
  /things:
    post:
      operationId: searchThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Page"
components:
  schemas:
    Kind:
      type: string
      enum:
        - ZED
        - ALPHA
    Page:
      type: object
      properties:
        # The things on this page.
        things:
          type: array
          items:
            $ref: "#/components/schemas/Thing"
        tags:
          type: array
          items:
            type: string
    Thing:
      type: object
      properties:
        at:
          type: string
          format: date-time
        kind:
          allOf:
            - $ref: "#/components/schemas/Kind"
        name:
          type: string
"##;

fn cassette(bodies: &[serde_json::Value]) -> (String, String) {
    let mut text =
        json!({"cassette": "enkash-customer-search", "format": 1, "api_version": "1"}).to_string();
    for body in bodies {
        let exchange = json!({
            "method": "POST", "path": "/things", "query": null, "request_body": null,
            "status": 200, "response_headers": {}, "response_body": body,
        });
        text.push('\n');
        text.push_str(&exchange.to_string());
    }
    ("test.cassette".to_string(), text)
}

fn run(files: &[(String, String)]) -> Suggestions {
    suggest("spec.yaml", SPEC_TEXT, files).unwrap()
}

fn added(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| &l[1..])
        .collect()
}

#[test]
fn types_are_inferred_from_every_value_seen() {
    let things = |extra: serde_json::Value| json!({ "things": [extra] });
    let files = [cassette(&[
        things(
            json!({ "count": 3, "big": 3_000_000_000_i64, "ratio": 1, "tags": ["a"],
                       "when": "2024-10-10T08:34:46Z", "flag": true, "maybe": null,
                       "mixed": "x", "nothing": null, "\u{1b}[31mred": 1 }),
        ),
        things(json!({ "count": null, "big": 1, "ratio": 0.5, "tags": [],
                       "when": "2024-10-11T08:34:46+05:30", "flag": false, "maybe": "m",
                       "mixed": 2 })),
    ])];
    let suggestions = run(&files);
    assert!(suggestions.notes.is_empty(), "{:#?}", suggestions.notes);
    let added = added(&suggestions.diff);
    let block = |name: &str| -> Vec<&str> {
        let start = added
            .iter()
            .position(|l| l.trim_start().starts_with(name))
            .unwrap();
        added[start..]
            .iter()
            .skip(1)
            .take_while(|l| l.starts_with("          "))
            .map(|l| l.trim_start().split("  #").next().unwrap())
            .collect()
    };
    assert_eq!(
        block("count:"),
        ["type: integer", "format: int32", "nullable: true", DESC]
    );
    assert_eq!(block("big:"), ["type: integer", "format: int64", DESC]);
    assert_eq!(block("ratio:"), ["type: number", DESC]);
    assert_eq!(
        block("tags:"),
        ["type: array", "items:", "type: string", DESC]
    );
    assert_eq!(block("when:"), ["type: string", "format: date-time", DESC]);
    assert_eq!(block("flag:"), ["type: boolean", DESC]);
    assert_eq!(block("maybe:"), ["type: string", "nullable: true", DESC]);
    // Two types: no `type`, a comment says why.
    assert_eq!(
        block("mixed:"),
        [
            "# suggested: came as a number and a string, so no one type",
            DESC
        ]
    );
    assert_eq!(
        block("nothing:"),
        ["# suggested: of no type known: only null came", DESC]
    );
    // A name with a control character is quoted (escaped), never written raw.
    assert!(
        added
            .iter()
            .any(|l| l.trim_start().starts_with(r#""\u001B[31mred":"#)),
        "{added:#?}"
    );
    // Properties go in among the sorted ones, and every line of the block is marked.
    let names: Vec<_> = added
        .iter()
        .filter(|l| l.len() - l.trim_start().len() == 8)
        .map(|l| l.trim_start().split(':').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "\"\\u001B[31mred\"",
            "big",
            "count",
            "flag",
            "maybe",
            "mixed",
            "nothing",
            "ratio",
            "tags",
            "when"
        ]
    );
    assert!(added.iter().all(|l| l.contains(MARK)), "{added:#?}");
}

const DESC: &str = "description: Not on the vendor's page; seen in EnKash's responses.";

#[test]
fn an_unsorted_enum_gets_its_new_value_last_and_a_comment_stays() {
    let files = [cassette(&[
        json!({ "things": [{ "kind": "NEW" }, { "kind": "NEW" }] }),
        json!({ "things": [{ "kind": "NEW" }, { "kind": "ALPHA" }] }),
    ])];
    let suggestions = run(&files);
    assert_eq!(
        added(&suggestions.diff),
        ["        - NEW  # suggested: seen 3 times in 2 exchanges"]
    );
    assert!(
        suggestions
            .diff
            .contains("         - ALPHA\n+        - NEW"),
        "{}",
        suggestions.diff
    );
    assert!(
        suggestions
            .edited
            .contains("        # The things on this page.\n")
    );
    let removed = suggestions
        .diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"));
    assert_eq!(removed.count(), 0);
}

#[test]
fn nulls_and_date_time_forms_the_spec_cannot_name_are_notes() {
    let files = [cassette(&[json!({
        "things": [{ "at": 1728549286000_i64, "name": null }, { "at": "2024-10-10T08:34:46Z" }],
        "tags": ["a", null],
    })])];
    let suggestions = run(&files);
    let added = added(&suggestions.diff);
    assert!(
        added.contains(&"          nullable: true  # suggested: null came 1 time in 1 exchange"),
        "{added:#?}"
    );
    assert!(
        added.contains(&"            nullable: true  # suggested: null came 1 time in 1 exchange"),
        "{added:#?}"
    );
    let note = "date-times came as epoch milliseconds (a JSON number) (seen 1 time in 1 exchange); \
                as the spec says (1 time), which the spec cannot name here";
    assert!(
        added.contains(&format!("          # suggested: {note}").as_str()),
        "{added:#?}"
    );
    assert_eq!(suggestions.notes, [format!("Thing.at: {note}")]);
}

#[test]
fn a_drift_report_names_fields_and_counts_without_types() {
    let report = json!({
        "responses": 12,
        "unknown_enum_values": { "Thing.kind": { "LATER": 2 } },
        "date_time_forms": { "Thing.at": { "LocalSpaceSeparated": 4 } },
        "unexpected_nulls": { "Page.things[]": 1 },
        "unknown_fields": { "Thing.colour": 5 },
    });
    let suggestions = run(&[("drift.json".to_string(), report.to_string())]);
    assert_eq!(suggestions.reported_responses, 12);
    let added = added(&suggestions.diff);
    assert!(
        added.contains(&"        - LATER  # suggested: seen 2 times in drift reports"),
        "{added:#?}"
    );
    assert!(
        added.contains(&"        colour:  # suggested: seen 5 times in drift reports"),
        "{added:#?}"
    );
    assert!(
        added.contains(&"          # suggested: its type is unknown: a drift report names fields, not their values"),
        "{added:#?}"
    );
    assert!(
        added.contains(&"          x-date-time-format: \"yyyy-MM-dd HH:mm:ss\"  # suggested: in this form (a drift report does not count those in the spec's form: check), seen 4 times in drift reports"),
        "{added:#?}"
    );
    // Items that refer to a schema cannot be made nullable by an inserted line.
    assert_eq!(suggestions.notes.len(), 1, "{:#?}", suggestions.notes);
    assert!(
        suggestions.notes[0].starts_with("Page.things[]: null came"),
        "{:#?}",
        suggestions.notes
    );
}

#[test]
fn other_files_and_other_formats_are_refused_with_their_name() {
    let err = suggest(
        "spec.yaml",
        SPEC_TEXT,
        &[("notes.txt".into(), "hello".into())],
    )
    .unwrap_err();
    assert!(err.contains("notes.txt is neither a cassette"), "{err}");
    let later = json!({"cassette": "enkash-customer-search", "format": 2}).to_string();
    let err = suggest("spec.yaml", SPEC_TEXT, &[("new.cassette".into(), later)]).unwrap_err();
    assert!(
        err.contains("new.cassette is a cassette of format 2"),
        "{err}"
    );
    let (name, text) = cassette(&[]);
    let broken = format!("{text}\n{{not json");
    let err = suggest("spec.yaml", SPEC_TEXT, &[(name, broken)]).unwrap_err();
    assert!(err.contains("line 2: not JSON"), "{err}");
}

#[test]
fn nothing_to_suggest_is_an_empty_diff() {
    let files = [cassette(&[
        json!({ "things": [{ "kind": "ALPHA", "at": "2024-10-10T08:34:46Z" }] }),
    ])];
    let suggestions = run(&files);
    assert_eq!(suggestions.diff, "");
    assert_eq!(suggestions.edited, SPEC_TEXT);
}

#[test]
fn a_report_older_than_the_spec_suggests_nothing_twice() {
    let report = json!({
        "responses": 3,
        "unknown_enum_values": { "Thing.kind": { "ALPHA": 1 } },
        "date_time_forms": {},
        "unexpected_nulls": {},
        "unknown_fields": { "Thing.name": 2 },
    });
    let files = [("old.json".to_string(), report.to_string())];
    assert_eq!(
        run(&files).diff,
        "",
        "the property and the value are in the spec already"
    );
    // The edited spec, read with the same evidence again, has nothing more to take.
    let evidence = [cassette(&[
        json!({ "things": [{ "colour": "red", "at": 1_i64 }] }),
    ])];
    let first = run(&evidence);
    let again = suggest("spec.yaml", &first.edited, &evidence).unwrap();
    assert_eq!(again.diff, "", "{}", again.diff);
}

#[test]
fn hostile_names_and_values_are_escaped_and_the_yaml_stays_valid() {
    let hostile = "A\u{85}B\u{2028}C\u{7f}D\"E\\F\u{1b}[2J";
    let files = [cassette(&[
        json!({ "things": [{ "kind": hostile, (hostile): 1 }] }),
    ])];
    let suggestions = run(&files);
    let added = added(&suggestions.diff);
    let escaped = r#""A\u0085B\u2028C\u007FD\"E\\F\u001B[2J""#;
    assert!(
        added.contains(
            &format!("        - {escaped}  # suggested: seen 1 time in 1 exchange").as_str()
        ),
        "{added:#?}"
    );
    assert!(
        added
            .iter()
            .any(|l| l.starts_with(&format!("        {escaped}:"))),
        "{added:#?}"
    );
    assert!(
        suggestions
            .diff
            .chars()
            .all(|c| !c.is_control() || c == '\n'),
        "raw controls"
    );
    // And the value read back is the one that came.
    let document: serde_json::Value = serde_norway::from_str(&suggestions.edited).unwrap();
    let values = document.pointer("/components/schemas/Kind/enum").unwrap();
    assert!(
        values.as_array().unwrap().contains(&json!(hostile)),
        "{values}"
    );
    // Read again against the edited spec, the escaped name and value are found there.
    let again = suggest("spec.yaml", &suggestions.edited, &files).unwrap();
    assert_eq!(again.diff, "", "{}", again.diff);
}

#[test]
fn an_array_of_nulls_or_of_mixed_items_takes_any_item() {
    let files = [cassette(&[
        json!({ "things": [{ "nulls": [null], "mixed": [1, "a"] }] }),
    ])];
    let added = added(&run(&files).diff).join("\n");
    assert!(
        added.contains("items: {}  # suggested: of no type known: only null came"),
        "{added}"
    );
    assert!(
        added.contains("items: {}  # suggested: came as a number and a string, so no one type"),
        "{added}"
    );
}

#[test]
fn huge_counts_in_drift_reports_saturate() {
    let report = json!({
        "responses": u64::MAX,
        "unknown_enum_values": {}, "date_time_forms": {}, "unexpected_nulls": {},
        "unknown_fields": { "Thing.colour": u64::MAX },
    });
    let files = [
        ("a.json".to_string(), report.to_string()),
        ("b.json".to_string(), report.to_string()),
    ];
    let suggestions = run(&files);
    assert_eq!(suggestions.reported_responses, u64::MAX);
    assert!(
        suggestions
            .diff
            .contains(&format!("seen {} times in drift reports", u64::MAX))
    );
}

#[test]
fn a_recorded_path_with_a_base_urls_prefix_is_the_specs() {
    let (name, text) = cassette(&[json!({ "things": [{ "kind": "NEW" }] })]);
    let text = text.replace("\"path\":\"/things\"", "\"path\":\"/enkash/things\"");
    let suggestions = run(&[(name, text)]);
    assert!(suggestions.notes.is_empty(), "{:#?}", suggestions.notes);
    assert!(suggestions.diff.contains("- NEW"), "{}", suggestions.diff);
}

#[test]
fn a_new_last_property_goes_after_what_is_added_to_the_one_before_it() {
    // `zone` sorts after `things`' last property, whose last line is `format: date-time`
    // once `at` is the last one: the date-time's pattern must stay `at`'s.
    let spec = SPEC_TEXT.replace(
        "        kind:\n          allOf:\n            - $ref: \"#/components/schemas/Kind\"\n        name:\n          type: string\n",
        "        kind:\n          allOf:\n            - $ref: \"#/components/schemas/Kind\"\n        name:\n          type: string\n        zat:\n          type: string\n          format: date-time\n",
    );
    assert_ne!(spec, SPEC_TEXT);
    let files = [cassette(&[
        json!({ "things": [{ "zat": "2024-10-10T08:34:46", "zone": "IST" }] }),
    ])];
    let suggestions = suggest("spec.yaml", &spec, &files).unwrap();
    let document: serde_json::Value = serde_norway::from_str(&suggestions.edited).unwrap();
    let thing = document
        .pointer("/components/schemas/Thing/properties")
        .unwrap();
    assert_eq!(
        thing["zat"]["x-date-time-format"], "yyyy-MM-dd'T'HH:mm:ss",
        "{}",
        suggestions.diff
    );
    assert_eq!(thing["zone"]["type"], "string");
    assert!(
        thing["zone"].get("x-date-time-format").is_none(),
        "{}",
        suggestions.diff
    );
}
