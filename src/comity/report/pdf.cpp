// A small PDF writer.
//
// The formal documents are text: labelled fields and paragraphs. PDF's
// standard Type 1 fonts (Helvetica and Helvetica-Bold) need no embedding and
// every reader has them; with WinAnsiEncoding they cover the Latin-1
// letters English, French and German use (é, è, ç, œ, ä, ö, ü, ß, «, »,
// §, €). So the writer keeps to what a text document needs:
//
// - Layout: A4 (595 × 842 pt), 56 pt margins. Text is wrapped greedily at
//   spaces using the fonts' advance widths (Adobe's AFM metrics for ASCII;
//   an accented letter is measured as its base letter, which the metrics
//   give within a few units). A word longer than a line is cut.
// - Pages are laid out as lines first; content streams are written at
//   finish(), when the page count for the "n / N" footer is known.
// - The file: catalog (with /Lang), page tree, the two fonts, an Info
//   dictionary (the title as UTF-16BE), one page and one content stream
//   per page, a cross-reference table and trailer. Streams are not
//   compressed: documents are a few kilobytes.
#include "comity/report/pdf.hpp"

#include <cstdio>

#include "comity/util/utf8.hpp"

namespace comity::pdf {
namespace {

constexpr double kPageW = 595, kPageH = 842, kMargin = 56;
constexpr double kTop = kPageH - kMargin, kBottom = kMargin + 24;
constexpr double kWidth = kPageW - 2 * kMargin;

// Advance widths (1/1000 em) of ASCII 32..126, from the Adobe AFM files.
constexpr short kRegular[95] = {278,  278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
                                556,  556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
                                1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
                                667,  778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
                                333,  556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
                                556,  556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};
constexpr short kBold[95] = {278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
                             556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
                             975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
                             667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
                             333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
                             611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584};

// The ASCII letter whose width stands for a Latin-1 letter (0xC0..0xFF);
// 0 where no letter does.
constexpr char kBase[64] = {'A', 'A', 'A', 'A', 'A', 'A', 0,   'C', 'E', 'E', 'E', 'E', 'I', 'I', 'I', 'I',
                            'D', 'N', 'O', 'O', 'O', 'O', 'O', '+', 'O', 'U', 'U', 'U', 'U', 'Y', 'P', 0,
                            'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
                            'o', 'n', 'o', 'o', 'o', 'o', 'o', '+', 'o', 'u', 'u', 'u', 'u', 'y', 'p', 'y'};

double char_width(unsigned char c, Face face) {
  const short* w = face == Face::Bold ? kBold : kRegular;
  if (c >= 32 && c <= 126) return w[c - 32];
  if (c >= 0xC0 && kBase[c - 0xC0]) return w[kBase[c - 0xC0] - 32];
  if (c == 0xC6 || c == 0x8C) return 1000;                            // Æ, Œ
  if (c == 0xE6 || c == 0x9C) return face == Face::Bold ? 944 : 889;  // æ, œ
  if (c == 0xDF) return 611;                                          // ß
  if (c == 0x97) return 1000;                                         // em dash
  return 556;
}

// Unicode code points outside Latin-1 that Windows-1252 has, at 0x80..0x9F.
struct Extra {
  char32_t cp;
  unsigned char byte;
};
constexpr Extra kExtras[] = {{0x20AC, 0x80}, {0x201A, 0x82}, {0x201E, 0x84}, {0x2026, 0x85}, {0x2020, 0x86},
                             {0x2021, 0x87}, {0x2030, 0x89}, {0x0160, 0x8A}, {0x2039, 0x8B}, {0x0152, 0x8C},
                             {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92}, {0x201C, 0x93}, {0x201D, 0x94},
                             {0x2022, 0x95}, {0x2013, 0x96}, {0x2014, 0x97}, {0x2122, 0x99}, {0x0161, 0x9A},
                             {0x203A, 0x9B}, {0x0153, 0x9C}, {0x017E, 0x9E}, {0x0178, 0x9F}};

// A PDF literal string: parentheses and backslashes escaped, bytes outside
// printable ASCII as octal.
std::string literal(std::string_view bytes) {
  std::string out = "(";
  for (unsigned char c : bytes) {
    if (c == '(' || c == ')' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 32 || c > 126) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + ")";
}

// The text as a UTF-16BE hex string with a byte-order mark (for /Title).
std::string utf16_hex(std::string_view utf8) {
  std::u16string units;
  for (size_t i = 0; i < utf8.size();) append_utf16(units, next_code_point(utf8, i).value_or(U'?'));
  std::string out = "<FEFF";
  for (char16_t u : units) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(u));
    out += buf;
  }
  return out + ">";
}

}  // namespace

std::string to_cp1252(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto cp = next_code_point(utf8, i);  // not UTF-8: one replacement per byte
    if (!cp)
      out += '?';
    else if (*cp == '\t' || *cp == '\n')
      out += static_cast<char>(*cp);
    else if (*cp < 32 || *cp == 127 || (*cp >= 0x80 && *cp < 0xA0))
      continue;  // control characters
    else if (*cp < 0x100)
      out += static_cast<char>(*cp);
    else if (*cp == 0x2192)
      out += "->";
    else {
      char r = '?';
      for (auto e : kExtras)
        if (e.cp == *cp) r = static_cast<char>(e.byte);
      out += r;
    }
  }
  return out;
}

double text_width(std::string_view cp1252, Face face, double size) {
  double w = 0;
  for (unsigned char c : cp1252) w += char_width(c, face);
  return w * size / 1000;
}

Document::Document(std::string title, std::string lang) : title_(std::move(title)), lang_(std::move(lang)) {
  pages_.emplace_back();
  y_ = kTop;
}

void Document::need(double height) {
  if (y_ - height < kBottom) {
    pages_.emplace_back();
    y_ = kTop;
  }
}

void Document::line(std::string_view text, Face face, double size) {
  double lead = size * 1.3;
  need(lead);
  y_ -= lead;
  pages_.back().push_back({kMargin, y_, size, face, std::string(text)});
}

void Document::paragraph(std::string_view utf8, Face face, double size) {
  const std::string text = to_cp1252(utf8);
  const double space_width = text_width(" ", face, size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view para =
        std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    // Greedy wrap at spaces, the line's width kept as it grows; a word wider
    // than the line is cut.
    std::string current;
    double width = 0;
    size_t i = 0;
    while (i < para.size()) {
      size_t sp = para.find(' ', i);
      std::string_view word = para.substr(i, sp == std::string_view::npos ? std::string_view::npos : sp - i);
      i = sp == std::string_view::npos ? para.size() : sp + 1;
      const double w = text_width(word, face, size);
      if (current.empty() ? w <= kWidth : width + space_width + w <= kWidth) {
        if (!current.empty()) {
          current += ' ';
          width += space_width;
        }
        current += word;
        width += w;
        continue;
      }
      if (!current.empty()) line(current, face, size);
      current = std::string(word);
      width = w;
      while (width > kWidth) {
        size_t cut = current.size();
        while (cut > 1 && text_width(std::string_view(current).substr(0, cut), face, size) > kWidth) --cut;
        line(std::string_view(current).substr(0, cut), face, size);
        current.erase(0, cut);
        width = text_width(current, face, size);
      }
    }
    if (!current.empty() || para.empty()) line(current, face, size);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

void Document::heading(std::string_view text, double size) {
  need(size * 1.3 + 3 * 13 + 8);
  space(8);
  paragraph(text, Face::Bold, size);
  space(2);
}

void Document::field(std::string_view label, std::string_view value) {
  need(9 * 1.3 + 10 * 1.3 + 4);
  paragraph(label, Face::Bold, 8.5);
  paragraph(value.empty() ? "\u2014" : value, Face::Regular, 10);
  space(4);
}

void Document::space(double points) {
  if (y_ - points < kBottom) {
    pages_.emplace_back();
    y_ = kTop;
  } else {
    y_ -= points;
  }
}

std::string Document::finish() {
  if (pages_.size() > 1 && pages_.back().empty()) pages_.pop_back();
  std::string out = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  auto object = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  const size_t n = pages_.size();
  // Objects: 1 catalog, 2 pages, 3 and 4 fonts, 5 info, then a page and its
  // content per page (6 + 2i, 7 + 2i).
  std::string kids;
  for (size_t i = 0; i < n; ++i) kids += std::to_string(6 + 2 * i) + " 0 R ";
  object("<< /Type /Catalog /Pages 2 0 R /Lang " + literal(to_cp1252(lang_)) + " >>");
  object("<< /Type /Pages /Count " + std::to_string(n) + " /Kids [" + kids + "] >>");
  object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
  object("<< /Title " + utf16_hex(title_) + " /Producer (Comity) >>");
  for (size_t i = 0; i < n; ++i) {
    std::string content;
    char buf[96];
    for (const auto& l : pages_[i]) {
      std::snprintf(buf, sizeof buf, "BT /F%d %.1f Tf %.2f %.2f Td ", l.face == Face::Bold ? 2 : 1, l.size, l.x, l.y);
      content += buf + literal(l.text) + " Tj ET\n";
    }
    std::string foot = to_cp1252(footer_) + "   " + std::to_string(i + 1) + " / " + std::to_string(n);
    std::snprintf(buf, sizeof buf, "BT /F1 8.0 Tf %.2f %.2f Td ", kMargin, kMargin - 8);
    content += buf + literal(foot) + " Tj ET\n";
    object(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
        "/Contents " +
        std::to_string(7 + 2 * i) + " 0 R >>");
    object("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream");
  }
  size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%010zu 00000 n \n", off);
    out += buf;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R /Info 5 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

}  // namespace comity::pdf
