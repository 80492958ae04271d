//! Text encodings of Chinese deliveries: UTF-8 (with or without BOM) or GBK (GB 18030 superset).

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_8};

/// An encoding named by a `.cpg` file, a `--encoding` option or a DBF code page.
pub(crate) fn by_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim();
    match label {
        // ArcGIS writes code page numbers into .cpg files.
        "936" | "CP936" | "cp936" | "GBK" | "gbk" | "GB2312" | "gb2312" | "GB18030" | "gb18030" => {
            Some(GB18030)
        }
        "65001" => Some(UTF_8),
        _ => Encoding::for_label(label.as_bytes()).map(|e| {
            if e == encoding_rs::GBK {
                GB18030
            } else {
                e
            }
        }),
    }
}

/// Decodes bytes: the given encoding, else UTF-8 if they are valid UTF-8, else GBK. Returns the
/// text and the encoding used; `Err` names the encoding that did not fit.
pub(crate) fn decode<'a>(
    bytes: &'a [u8],
    given: Option<&'static Encoding>,
) -> Result<(Cow<'a, str>, &'static Encoding), String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let try_one = |enc: &'static Encoding| {
        enc.decode_without_bom_handling_and_without_replacement(bytes)
            .map(|t| (t, enc))
    };
    match given {
        Some(enc) => try_one(enc).ok_or_else(|| format!("the text is not valid {}", enc.name())),
        None => try_one(UTF_8)
            .or_else(|| try_one(GB18030))
            .ok_or_else(|| "the text is neither UTF-8 nor GBK; give --encoding".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_first_then_gbk() {
        let (text, enc) = decode("管径".as_bytes(), None).unwrap();
        assert_eq!((text.as_ref(), enc), ("管径", UTF_8));
        let (gbk, _, _) = GB18030.encode("球墨铸铁管");
        let (text, enc) = decode(&gbk, None).unwrap();
        assert_eq!((text.as_ref(), enc), ("球墨铸铁管", GB18030));
        assert!(decode(&gbk, Some(UTF_8)).is_err());
        assert_eq!(by_label("936"), Some(GB18030));
        assert_eq!(by_label("GBK"), Some(GB18030));
        assert_eq!(by_label("UTF-8"), Some(UTF_8));
    }
}
