package dev.obscura.privacy;

/**
 * An (ε, δ)-DP guarantee obtained from Rényi DP: {@code epsilon} for the given {@code delta}, and the Rényi order at
 * which the conversion was tightest ({@code NaN} when no order gives a finite ε).
 *
 * @param epsilon the privacy loss bound ε (0 or more; {@code +inf} when no guarantee follows)
 * @param delta   the failure probability δ the ε holds for
 * @param order   the minimising Rényi order α
 */
public record PrivacySpent(double epsilon, double delta, double order) {
    @Override
    public String toString() {
        return String.format("(epsilon=%.4f, delta=%s, order=%s)", epsilon, delta, order);
    }
}
