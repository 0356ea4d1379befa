import { createRouter, createWebHashHistory } from 'vue-router';
import StartPage from './pages/StartPage.vue';
import ModelPage from './pages/ModelPage.vue';
import DataPage from './pages/DataPage.vue';
import CalibratePage from './pages/CalibratePage.vue';
import ResultsPage from './pages/ResultsPage.vue';
import DevicesPage from './pages/DevicesPage.vue';
import DeployPage from './pages/DeployPage.vue';
import GraphPage from './pages/GraphPage.vue';
import BenchPage from './pages/BenchPage.vue';

// Hash history: works from file:// in Electron and from the web server alike.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'start', component: StartPage },
    { path: '/devices', name: 'devices', component: DevicesPage },
    { path: '/p/:id/model', name: 'model', component: ModelPage, props: true },
    { path: '/p/:id/data', name: 'data', component: DataPage, props: true },
    { path: '/p/:id/calibrate', name: 'calibrate', component: CalibratePage, props: true },
    { path: '/p/:id/results', name: 'results', component: ResultsPage, props: true },
    { path: '/p/:id/deploy', name: 'deploy', component: DeployPage, props: true },
    { path: '/p/:id/graph', name: 'graph', component: GraphPage, props: true },
    { path: '/p/:id/bench', name: 'bench', component: BenchPage, props: true },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});
