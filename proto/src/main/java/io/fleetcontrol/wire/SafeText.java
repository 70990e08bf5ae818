package io.fleetcontrol.wire;

/**
 * Text that came from a device or a caller, made safe to print: control characters (ESC sequences
 * that rewrite a terminal, CR and LF that forge a log line, BEL, backspace) and the Unicode
 * bidirectional controls and line separators that reorder or split what a reader sees are shown as
 * visible escapes. C0 controls print as {@code \x1b}; DEL, C1 and the Unicode ones as
 * {@code \u202e}, which inside a JSON or YAML double-quoted string is the same character.
 */
public final class SafeText {

  private SafeText() {}

  /** {@code text} with every unsafe character escaped, line breaks included (one value, one line). */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    int first = 0;
    while (first < text.length() && !unsafe(text.charAt(first))) {
      first++;
    }
    if (first == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      appendSafely(text.charAt(i), out);
    }
    return out.toString();
  }

  /** {@code c} as it is, or its escape when it is unsafe. */
  public static void appendSafely(char c, StringBuilder out) {
    if (!unsafe(c)) {
      out.append(c);
    } else if (c < 0x20) {
      out.append(String.format("\\x%02x", (int) c));
    } else {
      out.append(String.format("\\u%04x", (int) c));
    }
  }

  /** C0 controls, DEL, C1 (0x9b starts an escape sequence on some terminals), bidi controls, line separators. */
  public static boolean unsafe(char c) {
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
        || c == 0x061c || c == 0x200e || c == 0x200f
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
        || c == 0x2028 || c == 0x2029;
  }
}
