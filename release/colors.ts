/** The two fixed fleets (DESIGN decision 1) and the listener weights between them. */
export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

export const otherColor = (color: Color): Color => (color === "blue" ? "green" : "blue");

/** Weights of a listener's weighted forward action, per color. */
export type Weights = Record<Color, number>;

export const allOn = (color: Color): Weights =>
  color === "blue" ? { blue: 100, green: 0 } : { blue: 0, green: 100 };

/** The color that gets all traffic, or undefined while traffic is split (a switch or a canary). */
export function soleColor(weights: Weights): Color | undefined {
  if (weights.blue > 0 && weights.green === 0) return "blue";
  if (weights.green > 0 && weights.blue === 0) return "green";
  return undefined;
}

export const sameWeights = (a: Weights, b: Weights) => a.blue === b.blue && a.green === b.green;

/** Percentage of traffic a color receives (listener weights are relative, 0–999 each). */
export function share(weights: Weights, color: Color): number {
  const total = weights.blue + weights.green;
  return total === 0 ? 0 : Math.round((weights[color] * 100) / total);
}

/** Weights that send `percent` of traffic to `to` and the rest to the other color. */
export const splitTowards = (to: Color, percent: number): Weights =>
  to === "blue" ? { blue: percent, green: 100 - percent } : { blue: 100 - percent, green: percent };

export const formatWeights = (weights: Weights) => `blue ${weights.blue} / green ${weights.green}`;
