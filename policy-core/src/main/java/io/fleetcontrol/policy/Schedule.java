package io.fleetcontrol.policy;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.Set;

/**
 * Working hours in the device's own time zone: capture only on {@code days} between {@code start}
 * (inclusive) and {@code end} (exclusive). A window whose end is before its start spans midnight.
 */
public record Schedule(Set<DayOfWeek> days, LocalTime start, LocalTime end) {

  public Schedule {
    days = days.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(days));
  }
}
