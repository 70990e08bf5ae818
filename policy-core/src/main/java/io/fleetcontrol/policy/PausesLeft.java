package io.fleetcontrol.policy;

/**
 * How many more pauses the employee may take today: a count, or {@link #UNLIMITED} when the
 * policy sets no daily limit. The wire carries the same number ({@code pauses_left_today}, -1
 * for no limit), so this is the one encoding of "no limit" from the entity to the employee.
 */
public record PausesLeft(int count) {

  public static final PausesLeft UNLIMITED = new PausesLeft(-1);
  public static final PausesLeft NONE = new PausesLeft(0);

  public PausesLeft {
    if (count < -1) {
      throw new IllegalArgumentException("pauses left must be -1 (no limit) or more, not " + count);
    }
  }

  /** A number read off the wire or a cache: anything negative means no limit. */
  public static PausesLeft of(int count) {
    return count < 0 ? UNLIMITED : new PausesLeft(count);
  }

  public boolean unlimited() {
    return count < 0;
  }

  /** At least one more pause may start today. */
  public boolean any() {
    return count != 0;
  }

  /** For the employee: "no daily limit on pauses" or "2 pauses left today". */
  public String inWords() {
    return unlimited() ? "no daily limit on pauses" : count + (count == 1 ? " pause" : " pauses") + " left today";
  }
}
