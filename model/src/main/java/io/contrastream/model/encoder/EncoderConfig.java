package io.contrastream.model.encoder;

import java.util.Arrays;

/**
 * The shape of a ResNet-family encoder: input, stem and stages. Two presets cover the product's inputs.
 *
 * <pre>{@code
 * EncoderConfig small = EncoderConfig.smallResNet(1, 28);      // Fashion-MNIST: h is 128-d
 * EncoderConfig r18 = EncoderConfig.resNet18(3, 224);          // larger RGB inputs: h is 512-d
 * Block f = Encoders.build(small);
 * }</pre>
 *
 * @param arch {@code resnet-small} (3×3 stem, no pooling, for 28×28 / 32×32) or {@code resnet18}
 *     (7×7 stride-2 stem + max-pool, He et al., CVPR 2016, arXiv:1512.03385)
 * @param inChannels 1 (gray) or 3 (RGB)
 * @param inputSize side of the square input in pixels
 * @param stemWidth channels after the stem
 * @param widths channels of each stage
 * @param blocks basic residual blocks per stage
 * @param strides stride of the first block of each stage
 */
public record EncoderConfig(String arch, int inChannels, int inputSize, int stemWidth, int[] widths, int[] blocks,
        int[] strides) {

    public EncoderConfig {
        if (!arch.equals("resnet-small") && !arch.equals("resnet18")) {
            throw new IllegalArgumentException("encoder arch must be resnet-small or resnet18, got " + arch);
        }
        if (inChannels != 1 && inChannels != 3) {
            throw new IllegalArgumentException("encoder inChannels must be 1 or 3, got " + inChannels);
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

    /** The preset for a named arch. */
    public static EncoderConfig preset(String arch, int inChannels, int inputSize) {
        return switch (arch) {
            case "resnet-small" -> smallResNet(inChannels, inputSize);
            case "resnet18" -> resNet18(inChannels, inputSize);
            default -> throw new IllegalArgumentException("unknown encoder '" + arch + "': use resnet-small or resnet18");
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
                && Arrays.equals(blocks, c.blocks) && Arrays.equals(strides, c.strides);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {arch.hashCode(), inChannels, inputSize, stemWidth,
                Arrays.hashCode(widths), Arrays.hashCode(blocks), Arrays.hashCode(strides)});
    }

    @Override
    public String toString() {
        return arch + "(in=" + inChannels + "x" + inputSize + "x" + inputSize + ", stem=" + stemWidth + ", widths="
                + Arrays.toString(widths) + ", blocks=" + Arrays.toString(blocks) + ")";
    }
}
