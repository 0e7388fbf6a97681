package io.contrastream.model.encoder;

import java.util.Arrays;

/**
 * The shape of an encoder: input, then a ResNet's stem and stages or a Vision Transformer's
 * {@link Vit} shape. Presets cover the product's inputs.
 *
 * <pre>{@code
 * EncoderConfig small = EncoderConfig.smallResNet(1, 28);      // Fashion-MNIST: h is 128-d
 * EncoderConfig r18 = EncoderConfig.resNet18(3, 224);          // larger RGB inputs: h is 512-d
 * EncoderConfig vit = EncoderConfig.preset("vit-tiny-frozen", 1, 28); // ViT, frozen patch projection
 * Block f = Encoders.build(small);
 * }</pre>
 *
 * <p>For the ViT arches the ResNet fields only mirror the {@link Vit} shape (stemWidth = widths[0] =
 * width, blocks[0] = depth, strides[0] = patch), so {@link #outDim()} and {@link #toString()} hold.
 *
 * @param arch {@code resnet-small} (3×3 stem, no pooling, for 28×28 / 32×32) or {@code resnet18}
 *     (7×7 stride-2 stem + max-pool, He et al., CVPR 2016, arXiv:1512.03385), or {@code vit-tiny} /
 *     {@code vit-tiny-frozen} ({@link #vitTiny}, the latter with a frozen patch projection)
 * @param inChannels 1 (gray), 3 (RGB), or 2 (CMC's ab channels)
 * @param inputSize side of the square input in pixels
 * @param stemWidth channels after the stem
 * @param widths channels of each stage
 * @param blocks basic residual blocks per stage
 * @param strides stride of the first block of each stage
 * @param vit the transformer's shape for the {@code vit-*} arches, null for the ResNets
 */
public record EncoderConfig(String arch, int inChannels, int inputSize, int stemWidth, int[] widths, int[] blocks,
        int[] strides, Vit vit) {
    /** Every arch {@link #preset} knows. */
    public static final java.util.List<String> ARCHS = java.util.List.of("resnet-small", "resnet18", "vit-tiny",
            "vit-tiny-frozen");

    /**
     * A Vision Transformer's shape (Dosovitskiy et al., ICLR 2021, arXiv:2010.11929).
     *
     * @param patch side of a square patch; the input side must be a multiple of it
     * @param width token width (also the dimension of h, the final [CLS] token)
     * @param depth transformer blocks
     * @param heads attention heads (width must be a multiple of it)
     * @param mlpRatio hidden width of each block's MLP over width
     * @param frozenPatch MoCo v3's random patch projection, never trained (Chen et al., ICCV 2021,
     *     arXiv:2104.02057, sec. 4.2)
     */
    public record Vit(int patch, int width, int depth, int heads, int mlpRatio, boolean frozenPatch) {
        public Vit {
            if (patch < 1 || width < 1 || depth < 1 || heads < 1 || mlpRatio < 1 || width % heads != 0) {
                throw new IllegalArgumentException("invalid ViT shape: patch=" + patch + " width=" + width + " depth="
                        + depth + " heads=" + heads + " mlpRatio=" + mlpRatio);
            }
        }
    }

    /** A ResNet's shape. */
    public EncoderConfig(String arch, int inChannels, int inputSize, int stemWidth, int[] widths, int[] blocks,
            int[] strides) {
        this(arch, inChannels, inputSize, stemWidth, widths, blocks, strides, null);
    }

    public EncoderConfig {
        if (!ARCHS.contains(arch)) {
            throw new IllegalArgumentException("encoder arch must be one of " + ARCHS + ", got " + arch);
        }
        if (arch.startsWith("vit") != (vit != null)) {
            throw new IllegalArgumentException("encoder " + arch + ": a ViT shape is needed for vit-* arches only");
        }
        if (vit != null && inputSize % vit.patch() != 0) {
            throw new IllegalArgumentException("ViT input size " + inputSize + " is not a multiple of patch "
                    + vit.patch());
        }
        if (inChannels < 1 || inChannels > 3) {
            throw new IllegalArgumentException("encoder inChannels must be 1 (gray), 2 (CMC's ab) or 3 (RGB), got "
                    + inChannels);
        }
        if (inputSize < 8) {
            throw new IllegalArgumentException("encoder inputSize must be >= 8, got " + inputSize);
        }
        if (widths.length == 0 || widths.length != blocks.length || widths.length != strides.length) {
            throw new IllegalArgumentException("encoder widths, blocks and strides need one entry per stage");
        }
    }

    /**
     * A small ResNet for 28×28 / 32×32 inputs: 3×3 stem of 16 channels at full resolution, then three
     * stages of one basic block each (32, 64, 128 channels, stride 2): about 0.29 M parameters and
     * 9 M multiply-adds per 28×28 image; h is 128-d.
     */
    public static EncoderConfig smallResNet(int inChannels, int inputSize) {
        return new EncoderConfig("resnet-small", inChannels, inputSize, 16, new int[] {32, 64, 128},
                new int[] {1, 1, 1}, new int[] {2, 2, 2});
    }

    /** ResNet-18 (stages 64, 128, 256, 512 with two basic blocks each); h is 512-d. */
    public static EncoderConfig resNet18(int inChannels, int inputSize) {
        return new EncoderConfig("resnet18", inChannels, inputSize, 64, new int[] {64, 128, 256, 512},
                new int[] {2, 2, 2, 2}, new int[] {1, 2, 2, 2});
    }

    /**
     * A tiny ViT for 28×28 / 32×32 inputs: patch 7 (8 when the side is not a multiple of 7) → 16
     * patches of a 28×28 image plus [CLS], width 128, depth 4, 4 heads, MLP ratio 2 (about 0.54 M
     * parameters); h is the 128-d [CLS] token. {@code frozenPatch} keeps the random patch projection
     * untrained (arch {@code vit-tiny-frozen}, MoCo v3's stability trick).
     */
    public static EncoderConfig vitTiny(int inChannels, int inputSize, boolean frozenPatch) {
        int patch = inputSize % 7 == 0 ? 7 : 8;
        Vit v = new Vit(patch, 128, 4, 4, 2, frozenPatch);
        return new EncoderConfig(frozenPatch ? "vit-tiny-frozen" : "vit-tiny", inChannels, inputSize, v.width(),
                new int[] {v.width()}, new int[] {v.depth()}, new int[] {v.patch()}, v);
    }

    /** The same encoder for inputs of {@code channels} channels (CMC's per-view encoders). */
    public EncoderConfig withInChannels(int channels) {
        return new EncoderConfig(arch, channels, inputSize, stemWidth, widths, blocks, strides, vit);
    }

    /** The preset for a named arch. */
    public static EncoderConfig preset(String arch, int inChannels, int inputSize) {
        return switch (arch) {
            case "resnet-small" -> smallResNet(inChannels, inputSize);
            case "resnet18" -> resNet18(inChannels, inputSize);
            case "vit-tiny" -> vitTiny(inChannels, inputSize, false);
            case "vit-tiny-frozen" -> vitTiny(inChannels, inputSize, true);
            default -> throw new IllegalArgumentException("unknown encoder '" + arch + "': use one of " + ARCHS);
        };
    }

    /** Dimension of the representation h. */
    public int outDim() {
        return widths[widths.length - 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncoderConfig c && arch.equals(c.arch) && inChannels == c.inChannels
                && inputSize == c.inputSize && stemWidth == c.stemWidth && Arrays.equals(widths, c.widths)
                && Arrays.equals(blocks, c.blocks) && Arrays.equals(strides, c.strides)
                && java.util.Objects.equals(vit, c.vit);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {arch.hashCode(), inChannels, inputSize, stemWidth,
                Arrays.hashCode(widths), Arrays.hashCode(blocks), Arrays.hashCode(strides),
                java.util.Objects.hashCode(vit)});
    }

    @Override
    public String toString() {
        if (vit != null) {
            return arch + "(in=" + inChannels + "x" + inputSize + "x" + inputSize + ", " + vit + ")";
        }
        return arch + "(in=" + inChannels + "x" + inputSize + "x" + inputSize + ", stem=" + stemWidth + ", widths="
                + Arrays.toString(widths) + ", blocks=" + Arrays.toString(blocks) + ")";
    }
}
