/**
 * Local validation of an order request against its market, before anything is sent: the price must be on
 * the market's tick grid, the amount a multiple of the lot step and at least the minimum, the market open.
 * Failures are `InvalidOrder` / `MarketClosed` errors whose message names the offending field.
 */
import * as Either from "effect/Either"
import * as D from "./Decimal.js"
import { InvalidOrder, MarketClosed } from "./ExchangeError.js"
import type { Market } from "./Market.js"
import type { OrderRequest } from "./Order.js"
import type { TickGrid } from "./TickGrid.js"

export const validateOrderRequest = (
  market: Market,
  grid: TickGrid,
  request: OrderRequest
): Either.Either<OrderRequest, InvalidOrder | MarketClosed> => {
  const venue = market.venue
  const where = `${market.symbol}`
  if (request.symbol !== market.symbol) {
    return Either.left(new InvalidOrder({ venue, message: `symbol: ${request.symbol} is not ${where}` }))
  }
  if (market.status !== "open") {
    return Either.left(
      new MarketClosed({ venue, symbol: market.symbol, message: `${where} is ${market.status}, not open` })
    )
  }
  if (!grid.isOnGrid(request.price)) {
    return Either.left(
      new InvalidOrder({
        venue,
        message: `price: ${D.format(request.price)} is off the tick grid of ${where} (${D.format(grid.minPrice)}–${D.format(grid.maxPrice)})`
      })
    )
  }
  if (!D.isMultipleOf(request.amount, market.amountStep)) {
    return Either.left(
      new InvalidOrder({
        venue,
        message: `amount: ${D.format(request.amount)} is not a multiple of ${D.format(market.amountStep)}`
      })
    )
  }
  if (request.amount < market.minAmount) {
    return Either.left(
      new InvalidOrder({
        venue,
        message: `amount: ${D.format(request.amount)} is below the minimum ${D.format(market.minAmount)}`
      })
    )
  }
  if (request.postOnly && request.timeInForce !== "GTC") {
    return Either.left(new InvalidOrder({ venue, message: "postOnly: a post-only order must be GTC" }))
  }
  return Either.right(request)
}
