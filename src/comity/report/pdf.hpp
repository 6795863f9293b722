// A small PDF writer for the formal documents (docs/web-app.md): text in
// the two standard Helvetica faces, wrapped to an A4 page, with a footer
// on every page. Pure; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace comity::pdf {

enum class Face : uint8_t { Regular, Bold };

class Document {
 public:
  // title: the document's title (PDF Info and the first heading's role);
  // lang: its BCP 47 language (the catalog's /Lang), e.g. "fr".
  Document(std::string title, std::string lang);

  // A heading in bold, larger; starts a new page if fewer than three lines
  // would follow it on this one.
  void heading(std::string_view text, double size = 13);
  // A labelled field: the label in bold, the value wrapped beneath it.
  // An empty value prints as an em dash.
  void field(std::string_view label, std::string_view value);
  // Wrapped text. Newlines in `text` start new lines.
  void paragraph(std::string_view text, Face face = Face::Regular, double size = 10);
  // Vertical space in points.
  void space(double points);
  // The footer printed on every page, beside "n / N".
  void footer(std::string text) { footer_ = std::move(text); }

  // The finished file (PDF 1.7). The document may not be used afterwards.
  std::string finish();

 private:
  struct Line {
    double x, y, size;
    Face face;
    std::string text;  // Windows-1252 bytes
  };
  void line(std::string_view cp1252, Face face, double size);
  void need(double height);

  std::string title_, lang_, footer_;
  std::vector<std::vector<Line>> pages_;
  double y_ = 0;
};

// UTF-8 to Windows-1252 (the standard fonts' WinAnsiEncoding), which covers
// English, French and German; other characters become '?'.
std::string to_cp1252(std::string_view utf8);

// The width of cp1252 text in points at `size` (Helvetica metrics).
double text_width(std::string_view cp1252, Face face, double size);

}  // namespace comity::pdf
