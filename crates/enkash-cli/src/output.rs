//! The output formats. Every one writes customers as they come, except `table`, which needs
//! every row to align its columns.

use std::io::{self, Write};

use enkash_customer_search::text::TerminalSafe;
use enkash_customer_search::types::CustomerResponse;
use serde_json::Value;

use crate::cli::Format;

/// The CSV columns: every property of `CustomerResponse`, as the spec lists them.
pub const CSV_COLUMNS: &[&str] = enkash_customer_search::spec::CUSTOMER_RESPONSE_PROPERTIES;

/// The table's columns: header, widest a cell may be, right-aligned.
const TABLE_COLUMNS: [(&str, usize, bool); 7] = [
    ("customerId", 24, false),
    ("legalName", 40, false),
    ("panOrGstin", 20, false),
    ("state", 20, false),
    ("netAmount", 18, true),
    ("dsoMedian", 10, true),
    ("active", 6, false),
];

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

/// Writes customers in one format.
pub struct Output<W: Write> {
    format: Format,
    shape: Shape,
    out: W,
    count: usize,
    rows: Vec<[String; 7]>,
    /// CSV cells are shown terminal-safe when they go to a terminal.
    to_terminal: bool,
}

impl<W: Write> Output<W> {
    /// An output of `format` to `out`.
    pub fn new(format: Format, shape: Shape, out: W) -> Self {
        Output {
            format,
            shape,
            out,
            count: 0,
            rows: Vec::new(),
            to_terminal: false,
        }
    }

    /// Whether `out` is a terminal: then CSV cells show what could steer it as escapes (a file
    /// or a pipe gets the data exact; JSON and NDJSON are exact JSON always).
    pub fn for_terminal(mut self, to_terminal: bool) -> Self {
        self.to_terminal = to_terminal;
        self
    }

    /// What comes before the first customer.
    pub fn begin(&mut self) -> io::Result<()> {
        match (self.format, self.shape) {
            (Format::Json, Shape::Page { records_count }) => {
                let count = serde_json::to_string(&records_count).map_err(io::Error::other)?;
                write!(self.out, "{{\"recordsCount\":{count},\"customers\":[")
            }
            (Format::Json, Shape::All) => write!(self.out, "["),
            (Format::Csv, _) => write_csv_row(&mut self.out, CSV_COLUMNS.iter().copied()),
            (Format::Ndjson | Format::Table, _) => Ok(()),
        }
    }

    /// One customer.
    pub fn customer(&mut self, customer: &CustomerResponse) -> io::Result<()> {
        self.count += 1;
        match self.format {
            Format::Json => {
                if self.count > 1 {
                    self.out.write_all(b",")?;
                }
                self.out.write_all(b"\n")?;
                serde_json::to_writer(&mut self.out, customer).map_err(io::Error::from)
            }
            Format::Ndjson => {
                // `io::Error::from` hands back serde_json's own I/O error, so a closed pipe
                // stays `BrokenPipe` (and exits 0).
                serde_json::to_writer(&mut self.out, customer).map_err(io::Error::from)?;
                self.out.write_all(b"\n")
            }
            Format::Csv => {
                let value = serde_json::to_value(customer).map_err(io::Error::other)?;
                let cells: Vec<String> = CSV_COLUMNS
                    .iter()
                    .map(|column| csv_cell(value.get(column)))
                    .map(|cell| match self.to_terminal {
                        true => TerminalSafe::cell(&cell).to_string(),
                        false => cell,
                    })
                    .collect();
                write_csv_row(&mut self.out, cells.iter().map(String::as_str))
            }
            Format::Table => {
                self.rows.push(table_row(customer));
                Ok(())
            }
        }
    }

    /// What comes after the last customer; flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        match (self.format, self.shape) {
            (Format::Json, Shape::Page { .. }) => writeln!(self.out, "\n]}}")?,
            (Format::Json, Shape::All) => writeln!(self.out, "\n]")?,
            (Format::Table, shape) => {
                let rows = std::mem::take(&mut self.rows);
                write_table(&mut self.out, &rows)?;
                match shape {
                    Shape::Page {
                        records_count: Some(total),
                    } => writeln!(self.out, "({} of {total} customers)", self.count)?,
                    _ => writeln!(self.out, "({} customers)", self.count)?,
                }
            }
            (Format::Ndjson | Format::Csv, _) => {}
        }
        self.out.flush()
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

/// One RFC 4180 record: a field with a comma, quote, CR or LF is quoted, quotes doubled;
/// lines end in CRLF.
fn write_csv_row<'a>(out: &mut impl Write, cells: impl Iterator<Item = &'a str>) -> io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if cell.contains([',', '"', '\r', '\n']) {
            write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
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

/// `cell` on one line and at most `max` characters, cut with `…`.
fn fitted(cell: &str, max: usize) -> String {
    let one_line = TerminalSafe::line(cell).to_string();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

fn write_table(out: &mut impl Write, rows: &[[String; 7]]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(TABLE_COLUMNS)
                .map(|(cell, (_, max, _))| fitted(cell, max))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = TABLE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (header, _, _))| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([header.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let headers: Vec<String> = TABLE_COLUMNS
        .iter()
        .map(|(h, _, _)| h.to_string())
        .collect();
    for row in std::iter::once(&headers).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if TABLE_COLUMNS[i].2 {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
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
        assert!(lines[1].contains(&format!("{}…", "L".repeat(39))), "{text}");
        assert!(
            lines[1].contains("1250.50") && lines[1].contains(" 42  yes"),
            "{text}"
        );
        let column = |line: &str| line.find("1250.50").map(|i| line[..i].chars().count());
        assert_eq!(column(lines[1]), column(lines[2]));
        assert_eq!(lines[3], "(2 of 2 customers)");
    }
}
