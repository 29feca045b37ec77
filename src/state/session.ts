/** The photo and the op view's choices (op, grid, knobs, clicked token). */
import { create } from 'zustand';
import type { RgbImage } from '../image/pixels';

export interface Photo {
  name: string;
  rgb: RgbImage;
  /** licence line for shipped samples */
  credit?: string;
}

export interface SessionState {
  photo: Photo | null;
  photoError: string;
  opName: string;
  grid: number;
  /** knob values by config key (merged over the op's default config) */
  knobs: Record<string, number | string>;
  token: number;
  setPhoto(p: Photo): void;
  setPhotoError(msg: string): void;
  setOp(name: string): void;
  setGrid(g: number): void;
  setKnob(key: string, v: number | string): void;
  setToken(t: number): void;
}

export const GRID_CHOICES = [7, 14, 28, 56] as const;

export const useSession = create<SessionState>((set) => ({
  photo: null,
  photoError: '',
  opName: 'mhsa',
  grid: 14,
  knobs: {},
  token: 7 * 14 + 7,
  setPhoto: (photo) => set({ photo, photoError: '' }),
  setPhotoError: (photoError) => set({ photoError }),
  setOp: (opName) => set({ opName, knobs: {} }),
  setGrid: (grid) => set((s) => ({ grid, token: Math.min(s.token, grid * grid - 1) === s.token && s.grid === grid ? s.token : Math.floor(grid / 2) * grid + Math.floor(grid / 2) })),
  setKnob: (key, v) => set((s) => ({ knobs: { ...s.knobs, [key]: v } })),
  setToken: (token) => set({ token }),
}));
