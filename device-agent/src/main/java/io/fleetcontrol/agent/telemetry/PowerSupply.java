package io.fleetcontrol.agent.telemetry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Battery level and charging as Linux tells them in sysfs ({@code /sys/class/power_supply}). Where
 * there is no such directory (macOS, Windows) or no system battery (a desktop), the reading is
 * "unknown", never a guess: the battery rule then does not stop capture, and the employee sees why.
 */
final class PowerSupply {

  /** {@code percent} and {@code charging} mean something only when {@code known}. */
  record Reading(boolean known, int percent, boolean charging) {
    static final Reading UNKNOWN = new Reading(false, -1, false);
  }

  private record Battery(int percent, String status, long energyNow, long energyFull) {}

  private final Path root;

  PowerSupply(Path root) {
    this.root = root;
  }

  Reading read() {
    if (!Files.isDirectory(root)) {
      return Reading.UNKNOWN;
    }
    List<Battery> batteries = new ArrayList<>();
    boolean externalPower = false;
    try (DirectoryStream<Path> supplies = Files.newDirectoryStream(root)) {
      for (Path supply : supplies) {
        String type = text(supply.resolve("type")).orElse("");
        if (type.equals("Battery")) {
          // Mice and keyboards report their batteries here too, with scope "Device".
          if (!text(supply.resolve("scope")).orElse("").equals("Device")) {
            battery(supply).ifPresent(batteries::add);
          }
        } else if ((type.equals("Mains") || type.startsWith("USB")) && text(supply.resolve("online")).orElse("0").equals("1")) {
          externalPower = true;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Reading.UNKNOWN;
    }
    if (batteries.isEmpty()) {
      return Reading.UNKNOWN;
    }
    boolean charging = externalPower && batteries.stream().anyMatch(b -> !b.status().equals("Discharging"))
        || batteries.stream().anyMatch(b -> b.status().equals("Charging"));
    return new Reading(true, combinedPercent(batteries), charging);
  }

  /** Two batteries (some ThinkPads) are one tank: weigh by energy where both say it. */
  private static int combinedPercent(List<Battery> batteries) {
    long now = 0;
    long full = 0;
    for (Battery b : batteries) {
      if (b.energyFull() <= 0 || b.energyNow() < 0) {
        return (int) Math.round(batteries.stream().mapToInt(Battery::percent).average().orElse(-1));
      }
      now += b.energyNow();
      full += b.energyFull();
    }
    return (int) Math.max(0, Math.min(100, Math.round(100.0 * now / full)));
  }

  private static Optional<Battery> battery(Path supply) {
    String status = text(supply.resolve("status")).orElse("Unknown");
    long energyNow = number(supply, "energy_now", "charge_now");
    long energyFull = number(supply, "energy_full", "charge_full");
    long capacity = number(supply, "capacity");
    int percent;
    if (capacity >= 0 && capacity <= 100) {
      percent = (int) capacity;
    } else if (energyNow >= 0 && energyFull > 0) {
      percent = (int) Math.min(100, Math.round(100.0 * energyNow / energyFull));
    } else {
      return Optional.empty();
    }
    return Optional.of(new Battery(percent, status, energyNow, energyFull));
  }

  /** The first of the files that holds a number; -1 when none does. */
  private static long number(Path supply, String... names) {
    for (String name : names) {
      Optional<String> value = text(supply.resolve(name));
      if (value.isPresent()) {
        try {
          return Long.parseLong(value.get());
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  private static Optional<String> text(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).strip());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
