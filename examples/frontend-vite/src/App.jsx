import { Suspense, lazy, useState } from 'react'
import reactLogo from './assets/react.svg'

// Vite inlines every VITE_* variable of the build's environment (`inv frontend.build` adds
// those of the rendered frontend env file); an unset one is undefined.
const backendUrl = import.meta.env.VITE_BACKEND_URL ?? ''

// A route loaded on demand: Vite emits it as its own hashed chunk.
const About = lazy(() => import('./About.jsx'))

export default function App() {
  const [showAbout, setShowAbout] = useState(false)
  return (
    <main>
      <img src={reactLogo} className="logo" alt="React logo" />
      <h1>Cruddur</h1>
      <p data-testid="backend">Backend: {backendUrl || '(not set)'}</p>
      <button type="button" onClick={() => setShowAbout(true)}>About</button>
      {showAbout && (
        <Suspense fallback={<p>Loading…</p>}>
          <About />
        </Suspense>
      )}
    </main>
  )
}
