package io.fleetcontrol.fleetctl;

import io.fleetcontrol.wire.SafeText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * What fleetctl prints passes through here, so that text a device or a caller set (ids, owners,
 * labels, versions, comments, reasons, audit details, error descriptions) cannot drive the admin's
 * terminal: control characters (ESC sequences, CR, BEL, backspace) and Unicode bidi overrides that
 * reorder a line are shown as visible escapes instead. C0 controls print as {@code \x1b}; DEL, C1
 * controls, bidi controls and line separators as {@code \u202e}, which inside a JSON or YAML
 * double-quoted string is the same character, so structured output stays valid and exact (Jackson
 * already escapes C0 there).
 */
final class TerminalText {

  private TerminalText() {}

  private static final String CLEAR_SCREEN = "\033[H\033[2J";

  /** {@code out}, escaping everything written through it; line breaks pass. */
  static PrintWriter escaping(PrintWriter out) {
    return new Escaping(out);
  }

  /** fleetctl's own control sequence (watch redraws the screen), past the escaping. */
  static void clearScreen(PrintWriter out) {
    if (out instanceof Escaping escaping) {
      escaping.flush();
      escaping.raw.print(CLEAR_SCREEN);
    } else {
      out.print(CLEAR_SCREEN);
    }
  }

  private static final class Escaping extends PrintWriter {
    private final PrintWriter raw;

    Escaping(PrintWriter raw) {
      super(new EscapingWriter(raw), true);
      this.raw = raw;
    }
  }

  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    appendEscaped(text, 0, text.length(), escaped);
    return escaped.toString();
  }

  private static void appendEscaped(CharSequence text, int from, int to, StringBuilder escaped) {
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c == '\n' || (c == '\r' && i + 1 < to && text.charAt(i + 1) == '\n')) {
        escaped.append(c); // a line break, CRLF included; a lone CR would rewrite the line
      } else {
        SafeText.appendSafely(c, escaped);
      }
    }
  }

  /** Each write escaped as a whole: PrintWriter writes a line separator in one call, so CRLF stays together. */
  private static final class EscapingWriter extends Writer {
    private final PrintWriter out;

    EscapingWriter(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
      StringBuilder escaped = new StringBuilder(length);
      appendEscaped(java.nio.CharBuffer.wrap(chars, offset, length), 0, length, escaped);
      out.write(escaped.toString());
    }

    @Override
    public void write(String text, int offset, int length) {
      StringBuilder escaped = new StringBuilder(length);
      appendEscaped(text, offset, offset + length, escaped);
      out.write(escaped.toString());
    }

    @Override
    public void flush() {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.flush(); // stdout belongs to the caller
    }
  }
}
