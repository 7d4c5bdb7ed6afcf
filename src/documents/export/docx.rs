//! A small WordprocessingML writer: the documents officials paste into their notes are a
//! heading, a few paragraphs and tables, and that is all this writes (zip + hand-written XML,
//! the format the Word reader of `import` reads back). Header rows repeat on every page
//! (`w:tblHeader`); a spanning row is one cell with `w:gridSpan`; a cell's lines are paragraphs.

use std::borrow::Cow;
use std::io::Write;

use crate::documents::export::ExportError;

/// One row of a table to write.
pub(crate) enum TableRow<'a> {
    /// One cell across the whole table (a section, a direction), in bold.
    Spanning(String),
    /// One text per column.
    Cells(Vec<Cow<'a, str>>),
}

/// A document being written: its body's XML so far.
#[derive(Default)]
pub(crate) struct DocxWriter {
    body: String,
}

impl DocxWriter {
    /// A bold, larger paragraph.
    pub(crate) fn heading(&mut self, text: &str) {
        self.body.push_str(&paragraph(text, r#"<w:b/><w:sz w:val="28"/>"#, "center"));
    }

    /// A plain paragraph.
    pub(crate) fn paragraph(&mut self, text: &str) {
        self.body.push_str(&paragraph(text, "", "left"));
    }

    /// A table with a repeating header row and borders.
    pub(crate) fn table(&mut self, headers: &[&str], rows: &[TableRow<'_>]) {
        let columns = headers.len().max(1);
        self.body.push_str(
            r#"<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders></w:tblPr><w:tblGrid>"#,
        );
        for _ in 0..columns {
            self.body.push_str("<w:gridCol/>");
        }
        self.body.push_str("</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>");
        for header in headers {
            self.body.push_str(&cell(header, None, true));
        }
        self.body.push_str("</w:tr>");
        for row in rows {
            self.body.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            match row {
                TableRow::Spanning(text) => self.body.push_str(&cell(text, Some(columns), true)),
                TableRow::Cells(texts) => {
                    for text in texts {
                        self.body.push_str(&cell(text, None, false));
                    }
                }
            }
            self.body.push_str("</w:tr>");
        }
        // Word needs a paragraph between two tables, or it merges them.
        self.body.push_str("</w:tbl><w:p/>");
    }

    /// The .docx package.
    pub(crate) fn finish(self) -> Result<Vec<u8>, ExportError> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/><w:pgMar w:top="851" w:right="851" w:bottom="851" w:left="851" w:header="0" w:footer="0" w:gutter="0"/></w:sectPr></w:body></w:document>"#,
            self.body
        );
        let parts = [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELATIONSHIPS),
            ("word/document.xml", document.as_str()),
        ];
        let error = |e: &dyn std::fmt::Display| ExportError::Document(e.to_string());
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in parts {
            zip.start_file(name, options).map_err(|e| error(&e))?;
            zip.write_all(content.as_bytes()).map_err(|e| error(&e))?;
        }
        let cursor = zip.finish().map_err(|e| error(&e))?;
        Ok(cursor.into_inner())
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELATIONSHIPS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// A cell; `span` columns wide when given; its lines as paragraphs.
fn cell(text: &str, span: Option<usize>, bold: bool) -> String {
    let span = span.map(|n| format!(r#"<w:gridSpan w:val="{n}"/>"#)).unwrap_or_default();
    let run = if bold { "<w:b/>" } else { "" };
    let paragraphs: String = text.split('\n').map(|line| paragraph(line, run, "left")).collect();
    format!("<w:tc><w:tcPr>{span}</w:tcPr>{paragraphs}</w:tc>")
}

fn paragraph(text: &str, run_properties: &str, align: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:jc w:val="{align}"/></w:pPr><w:r><w:rPr>{run_properties}</w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

/// Text as XML character data: markup characters escaped, characters XML 1.0 forbids dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push(' '),
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::documents::export::docx::escape;

    #[test]
    fn text_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(escape("a < b & «c»\u{1}"), "a &lt; b &amp; «c»");
    }
}
