//! Human tables or JSON on stdout.

use carecircle_core::Result;
use serde::Serialize;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints a value as JSON, whatever the mode (for records without a table form).
    pub fn value<T: Serialize>(&self, v: &T) -> Result<()> {
        println!("{}", serde_json::to_string_pretty(v).expect("serialisable"));
        Ok(())
    }

    /// JSON in JSON mode, otherwise the table `human` prints.
    pub fn either<T: Serialize>(&self, v: &T, human: impl FnOnce()) -> Result<()> {
        if self.json { self.value(v) } else {
            human();
            Ok(())
        }
    }
}

/// A plain left-aligned table, wide characters counted as two columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let width = |s: &str| s.chars().map(|c| if (c as u32) > 0x2E80 { 2 } else { 1 }).sum::<usize>();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i] - width(c) + 2));
            }
        }
        println!("{}", s.trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
