// Hash history: the same build runs from a file or custom protocol (Electron) and behind `selfguide serve`.
import { createRouter, createWebHashHistory } from 'vue-router';
import GenerateView from './views/GenerateView.vue';
import BoxesView from './views/BoxesView.vue';
import ClustersView from './views/ClustersView.vue';
import JobsView from './views/JobsView.vue';
import LibraryView from './views/LibraryView.vue';
import MasksView from './views/MasksView.vue';
import ModelsView from './views/ModelsView.vue';
import TrainView from './views/TrainView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/library' },
    { path: '/library', name: 'library', component: LibraryView },
    { path: '/clusters', name: 'clusters', component: ClustersView },
    { path: '/boxes', name: 'boxes', component: BoxesView },
    { path: '/masks', name: 'masks', component: MasksView },
    { path: '/models', name: 'models', component: ModelsView },
    { path: '/generate', name: 'generate', component: GenerateView },
    { path: '/train', name: 'train', component: TrainView },
    { path: '/jobs', name: 'jobs', component: JobsView },
  ],
});
