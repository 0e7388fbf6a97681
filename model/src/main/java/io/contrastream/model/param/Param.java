package io.contrastream.model.param;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A parameter declared once: its name, what it means, its default and what values it accepts.
 *
 * <pre>{@code
 * static final Param<Double> TEMPERATURE =
 *     Param.ofDouble("temperature", "softmax temperature tau of the loss", 0.2, v -> v > 0, "> 0");
 * double t = params.get(TEMPERATURE);
 * }</pre>
 *
 * @param <T> the value type
 */
public final class Param<T> {
    private final String name;
    private final String description;
    private final T defaultValue;
    private final Predicate<T> valid;
    private final String allowed;
    private final Function<String, T> parser;

    public Param(String name, String description, T defaultValue, Predicate<T> valid, String allowed,
            Function<String, T> parser) {
        this.name = Objects.requireNonNull(name);
        this.description = Objects.requireNonNull(description);
        this.defaultValue = defaultValue;
        this.valid = Objects.requireNonNull(valid);
        this.allowed = Objects.requireNonNull(allowed);
        this.parser = Objects.requireNonNull(parser);
        if (defaultValue != null) {
            validate(defaultValue);
        }
    }

    public static Param<Double> ofDouble(String name, String description, double def, Predicate<Double> valid,
            String allowed) {
        return new Param<>(name, description, def, valid, allowed, Double::parseDouble);
    }

    public static Param<Integer> ofInt(String name, String description, int def, Predicate<Integer> valid,
            String allowed) {
        return new Param<>(name, description, def, valid, allowed, Integer::parseInt);
    }

    public static Param<Long> ofLong(String name, String description, long def, Predicate<Long> valid,
            String allowed) {
        return new Param<>(name, description, def, valid, allowed, Long::parseLong);
    }

    public static Param<Boolean> ofBoolean(String name, String description, boolean def) {
        return new Param<>(name, description, def, v -> true, "true or false", s -> {
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("not a boolean: " + s);
            }
            return Boolean.parseBoolean(s);
        });
    }

    public static Param<String> ofChoice(String name, String description, String def, String... choices) {
        java.util.List<String> list = java.util.List.of(choices);
        return new Param<>(name, description, def, list::contains, "one of " + list, s -> s);
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String allowed() {
        return allowed;
    }

    /** Parses and validates a textual value, with an error that names the parameter and the fix. */
    public T parse(String text) {
        T value;
        try {
            value = parser.apply(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "': cannot read '" + text + "' (" + description + "; allowed: " + allowed + ")");
        }
        return validate(value);
    }

    /** Returns the value when it is allowed, else throws an error that names the parameter and the fix. */
    public T validate(T value) {
        if (value == null || !valid.test(value)) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "' = " + value + " is not allowed (" + description + "; allowed: " + allowed + ")");
        }
        return value;
    }

    @Override
    public String toString() {
        return name + " (default " + defaultValue + "): " + description;
    }
}
