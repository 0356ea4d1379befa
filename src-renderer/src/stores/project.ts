import { defineStore } from 'pinia';
import type { ProjectDetailDto } from '../../../src-main/contract/app-api';
import type { AppEvent, ModelSummary, RunLayer, RunProgress } from '../../../src-main/contract/app-types';
import { errorText } from '../api/client';
import { useAppStore } from './app';

interface LiveRun {
  progress: RunProgress | null;
  layers: RunLayer[];
}

/** The open project: its detail (dataset, runs, results, exports, profiles) and live progress. */
export const useProjectStore = defineStore('project', {
  state: () => ({
    id: null as string | null,
    detail: null as ProjectDetailDto | null,
    loading: false,
    error: null as string | null,
    model: null as ModelSummary | null,
    modelError: null as string | null,
    live: {} as Record<string, LiveRun>,
    evalProgress: null as { label: string; index: number; total: number } | null,
    profileLog: {} as Record<string, string[]>,
    subscribed: false,
  }),
  getters: {
    runs: (s) => s.detail?.runs ?? [],
    doneRuns: (s) => (s.detail?.runs ?? []).filter((r) => r.status === 'done'),
    activeRuns: (s) => (s.detail?.runs ?? []).filter((r) => r.status === 'running'),
  },
  actions: {
    subscribe(): void {
      if (this.subscribed) return;
      this.subscribed = true;
      useAppStore().client.onEvent((e) => this.onEvent(e));
    },
    onEvent(e: AppEvent): void {
      if ('projectId' in e && e.projectId !== this.id) return;
      if (e.type === 'run.progress') {
        const live = (this.live[e.runId] ??= { progress: null, layers: [] });
        live.progress = e.progress;
        if (e.layer) {
          const i = live.layers.findIndex((l) => l.name === e.layer!.name);
          if (i >= 0) live.layers[i] = e.layer;
          else live.layers.push(e.layer);
        }
      } else if (e.type === 'run.finished') {
        delete this.live[e.runId];
        void this.refresh();
      } else if (e.type === 'eval.progress') {
        this.evalProgress = { label: e.label, index: e.index, total: e.total };
      } else if (e.type === 'profile.progress') {
        (this.profileLog[e.profileId] ??= []).push(`${e.deviceName}: ${e.message}`);
      } else if (e.type === 'profile.finished') {
        void this.refresh();
      }
    },
    async open(id: string): Promise<void> {
      this.subscribe();
      if (this.id !== id) {
        this.id = id;
        this.detail = null;
        this.model = null;
        this.modelError = null;
        this.live = {};
      }
      await this.refresh();
    },
    async refresh(): Promise<void> {
      if (!this.id) return;
      this.loading = true;
      try {
        this.detail = await useAppStore().client.call('projects.get', { projectId: this.id });
        this.error = null;
      } catch (e) {
        this.error = errorText(e);
      } finally {
        this.loading = false;
      }
    },
    async loadModel(): Promise<void> {
      if (!this.id || this.model) return;
      try {
        this.model = await useAppStore().client.call('model.inspect', { projectId: this.id });
        this.modelError = null;
      } catch (e) {
        this.modelError = errorText(e);
      }
    },
  },
});
