/** What one block kind is: its description, its view, and the fields its editor offers. */
import type { ComponentType } from "react";
import type { Block, Datum } from "../api/types";
import type { DataSource, FeedState } from "./source";

export type FieldKind = "text" | "textarea" | "number" | "select" | "color" | "yesno";

/** One property of a block, by its Adafruit IO name, as the block editor shows it. */
export interface PropertyField {
  name: string;
  label: string;
  kind: FieldKind;
  default: string;
  options?: { value: string; label: string }[];
  help?: string;
  /** A stored value (a list, say) as the text the field edits; default String(value). */
  toText?: (value: unknown) => string;
  /** The edited text as the value to store; default the text itself. */
  fromText?: (text: string) => unknown;
}

export interface BlockMeta {
  /** Adafruit IO's visual_type. */
  type: string;
  label: string;
  icon: string;
  /** How many feeds it binds: 0 (none), 1, or "many". */
  feeds: 0 | 1 | "many";
  /** Whether it writes values to its feed. */
  control: boolean;
  /** Default width and height in grid cells (16 columns on a wide screen). */
  size: [number, number];
  about: string;
}

export interface BlockProps {
  block: Block;
  feeds: FeedState[];
  source: DataSource;
  editing: boolean;
  onPublished?: (key: string, datum: Datum | null, value: string) => void;
}

export interface BlockKind {
  meta: BlockMeta;
  View: ComponentType<BlockProps>;
  fields: PropertyField[];
}
