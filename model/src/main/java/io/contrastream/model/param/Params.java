package io.contrastream.model.param;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values for a fixed set of declared {@link Param}s; unset ones read as their defaults.
 *
 * <pre>{@code
 * Params p = new Params(MoCoParams.ALL).set(MoCoParams.QUEUE_SIZE, 4096).set("temperature", "0.2");
 * int k = p.get(MoCoParams.QUEUE_SIZE);
 * }</pre>
 */
public final class Params {
    private final Map<String, Param<?>> declared = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();

    public Params(List<Param<?>> declared) {
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

    private Param<?> check(String name) {
        Param<?> p = declared.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown parameter '" + name + "'; known: " + declared.keySet());
        }
        return p;
    }
}
