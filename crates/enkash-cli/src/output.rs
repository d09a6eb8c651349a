//! The output formats. Every one writes customers as they come, except `table`, which needs
//! every row to size its columns. CSV is the `csv` crate's (RFC 4180), the table
//! `comfy-table`'s, which measures cells in display width, as a terminal draws them.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Row, Table, Width};
use enkash_customer_search::text::TerminalSafe;
use enkash_customer_search::types::CustomerResponse;
use serde_json::Value;

use crate::cli::Format;

/// The CSV columns: every property of `CustomerResponse`, as the spec lists them.
pub const CSV_COLUMNS: &[&str] = enkash_customer_search::spec::CUSTOMER_RESPONSE_PROPERTIES;

/// The table's columns: header, widest a cell may be, right-aligned.
const TABLE_COLUMNS: [(&str, u16, bool); 7] = [
    ("customerId", 24, false),
    ("legalName", 40, false),
    ("panOrGstin", 20, false),
    ("state", 20, false),
    ("netAmount", 18, true),
    ("dsoMedian", 10, true),
    ("active", 6, false),
];

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's CSV
/// injection advice: `=`, `+`, `-`, `@`, and a tab or carriage return before them).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What is being printed: one page (with the server's total), or every page.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// One page; `recordsCount` as the server said.
    Page {
        /// Matches in all, over every page.
        records_count: Option<i64>,
    },
    /// Every page, streamed.
    All,
}

/// Where the customers go: straight to the output, or through the CSV writer.
enum Sink<W: Write> {
    Plain(W),
    Csv(Box<csv::Writer<W>>),
}

/// Writes customers in one format.
pub struct Output<W: Write> {
    format: Format,
    shape: Shape,
    sink: Sink<W>,
    count: usize,
    rows: Vec<[String; 7]>,
    /// CSV cells are shown terminal-safe when they go to a terminal.
    to_terminal: bool,
    /// The terminal's width in columns, when the table goes to one.
    width: Option<u16>,
    escape_formulas: bool,
}

impl<W: Write> Output<W> {
    /// An output of `format` to `out`.
    pub fn new(format: Format, shape: Shape, out: W) -> Self {
        let sink = match format {
            Format::Csv => Sink::Csv(Box::new(
                csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(out),
            )),
            _ => Sink::Plain(out),
        };
        Output {
            format,
            shape,
            sink,
            count: 0,
            rows: Vec::new(),
            to_terminal: false,
            width: None,
            escape_formulas: false,
        }
    }

    /// Whether `out` is a terminal: then CSV cells show what could steer it as escapes (a file
    /// or a pipe gets the data exact; JSON and NDJSON are exact JSON always).
    pub fn for_terminal(mut self, to_terminal: bool) -> Self {
        self.to_terminal = to_terminal;
        self
    }

    /// The table fitted to a terminal `columns` wide.
    pub fn fitted_to(mut self, columns: Option<u16>) -> Self {
        self.width = columns;
        self
    }

    /// CSV cells that a spreadsheet would run as formulas get a `'` in front (which changes
    /// the data: for files meant for spreadsheets only).
    pub fn escape_formulas(mut self, escape: bool) -> Self {
        self.escape_formulas = escape;
        self
    }

    /// What comes before the first customer.
    pub fn begin(&mut self) -> io::Result<()> {
        match (&mut self.sink, self.shape) {
            (Sink::Csv(csv), _) => csv.write_record(CSV_COLUMNS).map_err(csv_io),
            (Sink::Plain(out), Shape::Page { records_count }) if self.format == Format::Json => {
                let count = serde_json::to_string(&records_count).map_err(io::Error::other)?;
                write!(out, "{{\"recordsCount\":{count},\"customers\":[")
            }
            (Sink::Plain(out), Shape::All) if self.format == Format::Json => write!(out, "["),
            (Sink::Plain(_), _) => Ok(()),
        }
    }

    /// One customer.
    pub fn customer(&mut self, customer: &CustomerResponse) -> io::Result<()> {
        self.count += 1;
        match (&mut self.sink, self.format) {
            (Sink::Csv(csv), _) => {
                let value = serde_json::to_value(customer).map_err(io::Error::other)?;
                let cells = CSV_COLUMNS.iter().map(|column| {
                    let mut cell = csv_cell(value.get(column));
                    if self.escape_formulas && cell.starts_with(FORMULA_STARTS) {
                        cell.insert(0, '\'');
                    }
                    match self.to_terminal {
                        true => TerminalSafe::cell(&cell).to_string(),
                        false => cell,
                    }
                });
                csv.write_record(cells).map_err(csv_io)
            }
            (Sink::Plain(out), Format::Json) => {
                if self.count > 1 {
                    out.write_all(b",")?;
                }
                out.write_all(b"\n")?;
                serde_json::to_writer(out, customer).map_err(io::Error::from)
            }
            (Sink::Plain(out), Format::Ndjson) => {
                // `io::Error::from` hands back serde_json's own I/O error, so a closed pipe
                // stays `BrokenPipe` (and exits 0).
                serde_json::to_writer(&mut *out, customer).map_err(io::Error::from)?;
                out.write_all(b"\n")
            }
            (Sink::Plain(_), _) => {
                self.rows.push(table_row(customer));
                Ok(())
            }
        }
    }

    /// What comes after the last customer; flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        let out = match &mut self.sink {
            Sink::Csv(csv) => return csv.flush(),
            Sink::Plain(out) => out,
        };
        match (self.format, self.shape) {
            (Format::Json, Shape::Page { .. }) => writeln!(out, "\n]}}")?,
            (Format::Json, Shape::All) => writeln!(out, "\n]")?,
            (Format::Table, shape) => {
                let rows = std::mem::take(&mut self.rows);
                writeln!(out, "{}", table(&rows, self.width).trim_fmt())?;
                match shape {
                    Shape::Page {
                        records_count: Some(total),
                    } => writeln!(out, "({} of {total} customers)", self.count)?,
                    _ => writeln!(out, "({} customers)", self.count)?,
                }
            }
            _ => {}
        }
        out.flush()
    }
}

/// The I/O error inside a CSV error, so that a closed pipe stays `BrokenPipe`.
fn csv_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A CSV cell: text as it is, numbers and booleans as in JSON, arrays and objects as compact
/// JSON, null or absent as nothing.
fn csv_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn table_row(customer: &CustomerResponse) -> [String; 7] {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        text(&customer.customer_id),
        text(&customer.legal_name),
        text(&customer.pan_or_gstin),
        text(&customer.state),
        customer
            .net_amount
            .map(|n| format!("{n:.2}"))
            .unwrap_or_default(),
        customer
            .dso_median
            .map(|d| d.to_string())
            .unwrap_or_default(),
        match customer.active {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
    ]
}

/// The rows as a borderless table: each cell on one line (cut with `…` at its column's
/// widest, or narrower to fit `width`), nothing in it that could steer a terminal.
fn table(rows: &[[String; 7]], width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_truncation_indicator("…")
        .set_header({
            let mut header = Row::from(TABLE_COLUMNS.map(|(header, _, _)| header));
            header.max_height(1);
            header
        });
    for row in rows {
        let mut row = Row::from(row.iter().map(|cell| Cell::new(TerminalSafe::line(cell))));
        row.max_height(1);
        table.add_row(row);
    }
    if let Some(width) = width {
        table
            .set_width(width)
            .set_content_arrangement(ContentArrangement::Dynamic);
    }
    for (column, (_, widest, right)) in table.column_iter_mut().zip(TABLE_COLUMNS) {
        column.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(widest)));
        column.set_padding((0, 2));
        if right {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str, name: &str) -> CustomerResponse {
        CustomerResponse::builder()
            .customer_id(id.to_string())
            .legal_name(name.to_string())
            .net_amount(1250.5)
            .dso_median(42.0)
            .active(true)
            .branch_codes(vec!["MUM-01".to_string(), "PUN \"2\"".to_string()])
            .try_into()
            .unwrap()
    }

    fn render(format: Format, shape: Shape, customers: &[CustomerResponse]) -> String {
        let mut buffer = Vec::new();
        let mut output = Output::new(format, shape, &mut buffer);
        output.begin().unwrap();
        for c in customers {
            output.customer(c).unwrap();
        }
        output.finish().unwrap();
        drop(output);
        String::from_utf8(buffer).unwrap()
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says_and_keeps_arrays_as_json() {
        let text = render(
            Format::Csv,
            Shape::All,
            &[customer("KC1", "Shree, \"Ganesh\"\nTraders")],
        );
        let mut lines = text.split("\r\n");
        assert_eq!(lines.next().unwrap(), CSV_COLUMNS.join(","));
        let row = lines.next().unwrap();
        assert!(row.contains(r#","[""MUM-01"",""PUN \""2\""""]","#), "{row}");
        assert!(
            text.contains("\"Shree, \"\"Ganesh\"\"\nTraders\""),
            "{text}"
        );
        assert!(row.starts_with(",true,,"), "{row}");
    }

    #[test]
    fn csv_to_a_terminal_shows_escapes_and_to_a_file_stays_exact() {
        let hostile = customer("KC0000000000000A", "Evil\u{1b}]0;x\u{7}\u{202e}Co\tLtd");
        let render_to = |to_terminal: bool| {
            let mut buffer = Vec::new();
            let mut output =
                Output::new(Format::Csv, Shape::All, &mut buffer).for_terminal(to_terminal);
            output.begin().unwrap();
            output.customer(&hostile).unwrap();
            output.finish().unwrap();
            drop(output);
            String::from_utf8(buffer).unwrap()
        };
        let shown = render_to(true);
        assert!(shown.contains(r"Evil\u{1b}]0;x\u{7}\u{202e}Co"), "{shown}");
        assert!(shown.contains("Co\tLtd"), "a tab stays in a cell: {shown}");
        assert!(render_to(false).contains("Evil\u{1b}]0;x\u{7}\u{202e}Co\tLtd"));
    }

    #[test]
    fn json_is_one_document_in_both_shapes() {
        let customers = [customer("KC1", "A"), customer("KC2", "B")];
        let page: Value = serde_json::from_str(&render(
            Format::Json,
            Shape::Page {
                records_count: Some(9),
            },
            &customers,
        ))
        .unwrap();
        assert_eq!(page["recordsCount"], 9);
        assert_eq!(page["customers"][1]["customerId"], "KC2");
        let all: Value =
            serde_json::from_str(&render(Format::Json, Shape::All, &customers)).unwrap();
        assert_eq!(all.as_array().unwrap().len(), 2);
        let empty: Value = serde_json::from_str(&render(Format::Json, Shape::All, &[])).unwrap();
        assert_eq!(empty, serde_json::json!([]));
    }

    #[test]
    fn the_table_aligns_and_cuts_long_cells() {
        let long = "L".repeat(100);
        let text = render(
            Format::Table,
            Shape::Page {
                records_count: Some(2),
            },
            &[customer("KC1", &long), customer("KC2", "Short")],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("customerId  legalName"), "{text}");
        assert!(lines[1].contains("L…  "), "{text}");
        let name = lines[1].split_whitespace().nth(1).unwrap();
        assert!(name.chars().count() <= 40, "{text}");
        assert!(
            lines[1].contains("1250.50") && lines[1].contains(" 42  yes"),
            "{text}"
        );
        let column = |line: &str| line.find("1250.50").map(|i| line[..i].chars().count());
        assert_eq!(column(lines[1]), column(lines[2]));
        assert_eq!(lines[3], "(2 of 2 customers)");
    }

    /// Where each of `needles` starts in `line`, in terminal columns.
    fn columns_of(line: &str, needle: &str) -> usize {
        let at = line
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {line}"));
        unicode_width::UnicodeWidthStr::width(&line[..at])
    }

    #[test]
    fn wide_and_combining_characters_line_up_by_display_width() {
        let names = [
            "मुंबई ट्रेडर्स",
            "東京商事",
            "Café 🚚 Logistics",
            "Plain Traders",
        ];
        let customers: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, name)| customer(&format!("KC{i}"), name))
            .collect();
        let text = render(Format::Table, Shape::All, &customers);
        let lines: Vec<&str> = text.lines().collect();
        // Every row's amount starts in the same terminal column as the header's.
        let header = columns_of(lines[0], "netAmount");
        for line in &lines[1..=names.len()] {
            let amount = columns_of(line, "1250.50");
            assert_eq!(
                amount + "1250.50".len(),
                header + "netAmount".len(),
                "{text}"
            );
            assert_eq!(columns_of(line, "KC"), 0);
        }
        // And every name is whole.
        for name in names {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn a_narrow_terminal_gets_a_table_that_fits() {
        let customers = [customer("KC0000000000000A", "मुंबई ट्रेडर्स Private Limited")];
        for width in [40_u16, 60, 80] {
            let mut buffer = Vec::new();
            let mut output =
                Output::new(Format::Table, Shape::All, &mut buffer).fitted_to(Some(width));
            output.begin().unwrap();
            output.customer(&customers[0]).unwrap();
            output.finish().unwrap();
            drop(output);
            let text = String::from_utf8(buffer).unwrap();
            for line in text.lines() {
                let shown = unicode_width::UnicodeWidthStr::width(line);
                assert!(shown <= usize::from(width), "{shown} > {width}: {line:?}");
            }
            // Still one line a customer: the header, the row, the count.
            assert_eq!(text.lines().count(), 3, "{text}");
        }
    }

    #[test]
    fn csv_formulas_are_escaped_only_when_asked() {
        let risky = [
            "=HYPERLINK(\"x\")",
            "+91 98765",
            "-3",
            "@SUM(A1)",
            "\tTab",
            "Safe",
        ];
        let customers: Vec<_> = risky.iter().map(|name| customer("KC1", name)).collect();
        let render_with = |escape: bool| {
            let mut buffer = Vec::new();
            let mut output =
                Output::new(Format::Csv, Shape::All, &mut buffer).escape_formulas(escape);
            output.begin().unwrap();
            customers.iter().for_each(|c| output.customer(c).unwrap());
            output.finish().unwrap();
            drop(output);
            String::from_utf8(buffer).unwrap()
        };
        let column = CSV_COLUMNS.iter().position(|c| *c == "legalName").unwrap();
        let names = |text: &str| -> Vec<String> {
            csv::Reader::from_reader(text.as_bytes())
                .records()
                .map(|record| record.unwrap()[column].to_string())
                .collect()
        };
        assert_eq!(names(&render_with(false)), risky, "exact by default");
        let escaped: Vec<String> = risky[..5].iter().map(|n| format!("'{n}")).collect();
        assert_eq!(names(&render_with(true))[..5], escaped[..]);
        assert_eq!(names(&render_with(true))[5], "Safe");
    }
}
