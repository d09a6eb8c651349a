//! The spec's YAML as lines: where a mapping entry or a sequence's items are, by indentation,
//! and new lines inserted among them. Nothing is parsed and written back, so every comment,
//! quote and folded description stays as the curator wrote it; what cannot be found this way
//! (flow style, a key written on one line with its value) is left to a note.

/// One mapping entry in the text: its key's line, the indentation of that line, and the first
/// line after its block (blank and comment lines at its end included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub indent: usize,
    pub end: usize,
}

/// The spec's lines, and the lines to insert before some of them.
pub struct Text<'a> {
    /// Each line without its end.
    lines: Vec<&'a str>,
    /// Each line as written, its end (`\n`, `\r\n`, or none on a last line) included.
    written: Vec<&'a str>,
    /// The line end of inserted lines: the file's own.
    eol: &'static str,
    /// `(before line, a sibling of what ends there, order asked, the line)`.
    insertions: Vec<(usize, bool, usize, String)>,
}

impl<'a> Text<'a> {
    pub fn new(text: &'a str) -> Text<'a> {
        let written: Vec<&str> = text.split_inclusive('\n').collect();
        Text {
            lines: written
                .iter()
                .map(|line| line.trim_end_matches('\n').trim_end_matches('\r'))
                .collect(),
            eol: if text.contains("\r\n") { "\r\n" } else { "\n" },
            written,
            insertions: Vec::new(),
        }
    }

    /// Line `line`, without its end.
    pub fn line(&self, line: usize) -> &'a str {
        self.lines.get(line).copied().unwrap_or_default()
    }

    /// The entry at `path` of mapping keys from the document's root.
    pub fn find(&self, path: &[&str]) -> Option<Entry> {
        let mut range = (0, self.lines.len());
        let mut found = None;
        for key in path {
            let entry = self
                .entries(range.0, range.1)
                .into_iter()
                .find(|(name, _)| name == key)?
                .1;
            range = (entry.line + 1, entry.end);
            found = Some(entry);
        }
        found
    }

    /// The entries of the mapping inside `entry`, by key, in the order written; none if its
    /// value is on its own line (`key: value`, `key: {…}`) rather than a block.
    pub fn children(&self, entry: Entry) -> Vec<(String, Entry)> {
        if !value_on_key_line(self.lines[entry.line]).is_empty() {
            return Vec::new();
        }
        self.entries(entry.line + 1, entry.end)
    }

    /// The indentation of the block inside `entry`, if it has one.
    pub fn child_indent(&self, entry: Entry) -> Option<usize> {
        (entry.line + 1..entry.end)
            .find_map(|i| indent_of(self.lines[i]))
            .filter(|indent| *indent > entry.indent)
    }

    /// The items of a block sequence inside `entry`: each item's line and its text after
    /// `- `, and their indentation.
    pub fn sequence(&self, entry: Entry) -> Option<(usize, Vec<(usize, &'a str)>)> {
        let indent = self.child_indent(entry)?;
        let items: Vec<_> = (entry.line + 1..entry.end)
            .filter(|&i| indent_of(self.lines[i]) == Some(indent))
            .map(|i| (i, self.lines[i].trim_start()))
            .collect();
        items
            .iter()
            .all(|(_, item)| item.starts_with("- "))
            .then(|| {
                let items = items.into_iter().map(|(i, item)| (i, &item[2..])).collect();
                (indent, items)
            })
            .filter(|(_, items): &(usize, Vec<_>)| !items.is_empty())
    }

    /// The line after the last line of `entry` with content: where a line appended to its
    /// block goes.
    pub fn after_last(&self, entry: Entry) -> usize {
        (entry.line..entry.end)
            .rev()
            .find(|&i| indent_of(self.lines[i]).is_some())
            .map_or(entry.end, |i| i + 1)
    }

    /// Inserts `lines` before line `before` (the number of lines: at the end); lines inserted
    /// at the same place keep the order they were asked in.
    pub fn insert(&mut self, before: usize, lines: impl IntoIterator<Item = String>) {
        self.push(before, false, lines);
    }

    /// Inserts `lines`, an entry of its own, before line `before`: after any lines inserted
    /// there into the entry that ends there, so that those stay its own.
    pub fn insert_sibling(&mut self, before: usize, lines: impl IntoIterator<Item = String>) {
        self.push(before, true, lines);
    }

    fn push(&mut self, before: usize, sibling: bool, lines: impl IntoIterator<Item = String>) {
        for line in lines {
            let order = self.insertions.len();
            self.insertions.push((before, sibling, order, line));
        }
    }

    /// The text with every insertion made, every line of the original as it was written.
    pub fn edited(&self) -> String {
        let mut insertions = self.insertions.clone();
        insertions.sort();
        let mut pending = insertions.into_iter().peekable();
        let mut out = String::new();
        for index in 0..=self.written.len() {
            while let Some((_, _, _, line)) = pending.next_if(|(before, ..)| *before <= index) {
                // A last line without an end gets one before a line is added after it.
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push_str(self.eol);
                }
                out.push_str(&line);
                out.push_str(self.eol);
            }
            if let Some(line) = self.written.get(index) {
                out.push_str(line);
            }
        }
        out
    }

    /// The mapping entries whose keys are at the indentation of the first content line of
    /// `from..to`.
    fn entries(&self, from: usize, to: usize) -> Vec<(String, Entry)> {
        let Some(indent) = (from..to).find_map(|i| indent_of(self.lines[i])) else {
            return Vec::new();
        };
        (from..to)
            .filter(|&i| indent_of(self.lines[i]) == Some(indent))
            .filter_map(|i| {
                let key = key_of(self.lines[i].trim_start())?;
                let end = (i + 1..to)
                    .find(|&j| indent_of(self.lines[j]).is_some_and(|n| n <= indent))
                    .unwrap_or(to);
                Some((
                    key,
                    Entry {
                        line: i,
                        indent,
                        end,
                    },
                ))
            })
            .collect()
    }
}

/// The indentation of a line with content; `None` for a blank or comment-only line.
fn indent_of(line: &str) -> Option<usize> {
    let content = line.trim_start_matches(' ');
    (!content.is_empty() && !content.starts_with('#')).then(|| line.len() - content.len())
}

/// The key of a mapping entry's line (`key:`, `key: value`, `"key": value`).
fn key_of(line: &str) -> Option<String> {
    if line.starts_with("- ") {
        return None;
    }
    if let Some(quote @ ('"' | '\'')) = line.chars().next() {
        let close = line[1..].find(quote)? + 1;
        return line[close + 1..]
            .starts_with(':')
            .then(|| line[1..close].to_string());
    }
    let colon = line
        .find(": ")
        .or_else(|| line.strip_suffix(':').map(str::len))?;
    Some(line[..colon].to_string())
}

/// What follows a key on its own line, comments aside.
fn value_on_key_line(line: &str) -> &str {
    let rest = line.trim_start();
    let rest = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => rest[1..].find(quote).map_or("", |i| &rest[i + 2..]),
        _ => rest,
    };
    let value = rest.find(':').map_or("", |i| &rest[i + 1..]).trim();
    if value.starts_with('#') { "" } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
a:
  # a comment
  b:
    type: string
    description: >-
      folded: text
  \"200\":
    enum:
      - X
      - Z

  c: { type: string }
d: 1
";

    #[test]
    fn entries_are_found_by_key_and_indentation() {
        let text = Text::new(YAML);
        let b = text.find(&["a", "b"]).unwrap();
        assert_eq!((b.line, b.indent, b.end), (2, 2, 6));
        let status = text.find(&["a", "200"]).unwrap();
        assert_eq!(status.line, 6);
        let keys: Vec<_> = text.children(text.find(&["a"]).unwrap());
        let keys: Vec<_> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "200", "c"]);
        assert_eq!(text.find(&["a", "b", "folded"]), None);
        assert!(text.children(text.find(&["a", "c"]).unwrap()).is_empty());
        assert_eq!(text.find(&["d"]).unwrap().line, 12);
        let (indent, items) = text
            .sequence(text.find(&["a", "200", "enum"]).unwrap())
            .unwrap();
        assert_eq!((indent, items), (6, vec![(8, "X"), (9, "Z")]));
        assert_eq!(text.after_last(status), 10);
    }

    #[test]
    fn line_ends_are_kept_and_inserted_lines_take_the_files() {
        let mut text = Text::new("a:\r\n  b: 1\r\nc: 2");
        assert_eq!(text.find(&["a", "b"]).map(|e| e.line), Some(1));
        text.insert(2, ["  d: 3".to_string()]);
        text.insert(3, ["e: 4".to_string()]);
        assert_eq!(text.edited(), "a:\r\n  b: 1\r\n  d: 3\r\nc: 2\r\ne: 4\r\n");
        assert_eq!(
            Text::new("x: 1").edited(),
            "x: 1",
            "nothing inserted, nothing changed"
        );
    }

    #[test]
    fn insertions_keep_every_other_line_and_their_order() {
        let mut text = Text::new(YAML);
        text.insert(9, ["      - Y".to_string()]);
        text.insert(13, ["e: 2".to_string()]);
        text.insert(9, ["      - Y2".to_string()]);
        let edited = text.edited();
        assert!(
            edited.contains("      - X\n      - Y\n      - Y2\n      - Z\n"),
            "{edited}"
        );
        assert!(edited.ends_with("d: 1\ne: 2\n"), "{edited}");
        assert_eq!(edited.lines().count(), YAML.lines().count() + 3);
    }
}
