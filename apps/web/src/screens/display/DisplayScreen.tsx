import { Shell } from '../../app/Shell';

// Being built: see the web issue. Replaced by the real screen.
export function DisplayPicker() {
  return <Shell><h1>Display</h1></Shell>;
}
export function DisplayScreen() {
  return <Shell><h1>Display</h1></Shell>;
}
