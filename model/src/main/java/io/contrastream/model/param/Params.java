package io.contrastream.model.param;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values for a fixed set of declared {@link Param}s; unset ones read as their defaults. A key outside
 * the set is refused, naming the owner (e.g. the method) and the keys it does declare.
 *
 * <pre>{@code
 * Params p = new Params(MoCo.V2.name(), List.of(RecipeParams.QUEUE_SIZE, RecipeParams.TEMPERATURE))
 *         .set(RecipeParams.QUEUE_SIZE, 4096).set("temperature", "0.2");
 * int k = p.get(RecipeParams.QUEUE_SIZE);
 * p.set("prototypes", "10");   // IllegalArgumentException: moco-v2 has no parameter 'prototypes'; its parameters: ...
 * }</pre>
 */
public final class Params {
    private final String owner;
    private final Map<String, Param<?>> declared = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();

    /** Parameters without a named owner (a job's own settings). */
    public Params(List<Param<?>> declared) {
        this(null, declared);
    }

    /** @param owner what declares these parameters (a method's name), named when a key is refused */
    public Params(String owner, List<Param<?>> declared) {
        this.owner = owner;
        for (Param<?> p : declared) {
            if (this.declared.put(p.name(), p) != null) {
                throw new IllegalArgumentException("parameter declared twice: " + p.name());
            }
        }
    }

    public <T> Params set(Param<T> param, T value) {
        check(param.name());
        values.put(param.name(), param.validate(value));
        return this;
    }

    /** Sets a value from text (a config file or a flag), validated by its declaration. */
    public Params set(String name, String text) {
        Param<?> p = check(name);
        values.put(name, p.parse(text));
        return this;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Param<T> param) {
        check(param.name());
        Object v = values.get(param.name());
        return v == null ? param.defaultValue() : (T) v;
    }

    /** Every declared parameter with its current value, in declaration order. */
    public Map<String, Object> asMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Param<?> p : declared.values()) {
            out.put(p.name(), values.getOrDefault(p.name(), p.defaultValue()));
        }
        return Collections.unmodifiableMap(out);
    }

    public List<Param<?>> declared() {
        return List.copyOf(declared.values());
    }

    /** Whether {@code param} is one of these parameters (setting or reading another one throws). */
    public boolean declares(Param<?> param) {
        return declared.get(param.name()) == param;
    }

    /** Whether a key of this name is declared. */
    public boolean declares(String name) {
        return declared.containsKey(name);
    }

    /** What declares these parameters (a method's name), or null. */
    public String owner() {
        return owner;
    }

    private Param<?> check(String name) {
        Param<?> p = declared.get(name);
        if (p == null) {
            if (owner != null) {
                throw new IllegalArgumentException(owner + " has no parameter '" + name + "'; its parameters: "
                        + String.join(", ", declared.keySet()));
            }
            throw new IllegalArgumentException("unknown parameter '" + name + "'; known: " + declared.keySet());
        }
        return p;
    }
}
