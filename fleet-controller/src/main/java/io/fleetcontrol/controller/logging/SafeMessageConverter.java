package io.fleetcontrol.controller.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.fleetcontrol.wire.SafeText;

/**
 * {@code %safeMsg} in logback.xml: the log message with device-sent text escaped, so an owner name
 * or a comment cannot forge a log line (a newline) or drive the terminal of whoever tails the log.
 */
public final class SafeMessageConverter extends MessageConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return SafeText.escape(super.convert(event));
  }
}
